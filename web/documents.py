"""The documents a process handles, as ``documents.access`` lets the reader see them: metadata of the
visible ones only, a Tuyệt mật subject hidden unless shown to them, content rights as it says, and
the PDF the page shows (PDF.js) only when the content is open to them."""

from dataclasses import dataclass

from documents import access as document_access
from documents.models import Document, DocumentFile, FileRole, full_number
from engine.models import ProcessInstance


@dataclass(frozen=True)
class DocumentView:
    document: Document
    subject: str
    content_open: bool
    pdf: DocumentFile | None = None

    @property
    def number(self) -> str:
        """As printed: "132-CV/TU" (Party), "15/QĐ-UBND" (State)."""
        return full_number(self.document.code_number, self.document.code_notation)


def main_pdf(document: Document) -> DocumentFile | None:
    """The newest version of the document's main PDF: what its pages show. Ask ``content_open`` first."""
    return (document.files.filter(role=FileRole.MAIN, blob__content_type="application/pdf")
            .order_by("name", "-version").first())


def handled_by(user, instance: ProcessInstance) -> list[DocumentView]:
    found = list(document_access.visible_documents(user).filter(processes__instance=instance)
                 .select_related("document_type", "register").order_by("created_at"))
    views, grants = [], document_access.live_grants(user, found)
    for document in found:
        content_open = document_access.may_read_content(user, document, grants=grants)
        views.append(DocumentView(document, document_access.subject_for(user, document, grants=grants), content_open,
                                  main_pdf(document) if content_open else None))
    return views
