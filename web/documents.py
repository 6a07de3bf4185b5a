"""The documents a process handles, as ``documents.access`` lets the reader see them: metadata of the
visible ones only, a Tuyệt mật subject hidden unless shown to them, content rights as it says."""

from dataclasses import dataclass

from documents import access as document_access
from documents.models import Document
from engine.models import ProcessInstance


@dataclass(frozen=True)
class DocumentView:
    document: Document
    subject: str
    content_open: bool


def handled_by(user, instance: ProcessInstance) -> list[DocumentView]:
    found = (document_access.visible_documents(user).filter(processes__instance=instance)
             .select_related("document_type", "register").order_by("created_at"))
    return [DocumentView(document, document_access.subject_for(user, document),
                         document_access.may_read_content(user, document)) for document in found]
