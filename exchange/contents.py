"""What of a document travels: its files (the latest version of each, the document itself first) and
its Appendix VI metadata, as a packet carries them and as a copy for another body of this system
takes them."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils import translation

from documents import blobs
from documents.models import Document, DocumentFile, DocumentType, FileRole

from .edxml import Attachment, DocumentKind, DocumentPacket, PacketDocument, Priority

PDF = "application/pdf"
#: ``DocumentType/Type``: senders use 1 for legal normative documents and 2 for administrative ones; a
#: commune's Party and State documents are administrative. The kind itself travels by its name.
ADMINISTRATIVE = 2
#: The largest page count the document record stores.
_PAGES_MAX = 32767


@dataclass(frozen=True)
class TravellingFile:
    role: str
    name: str
    content_type: str
    content: bytes

    @property
    def is_pdf(self) -> bool:
        return self.content.startswith(b"%PDF-")


def files_of(document: Document) -> list[TravellingFile]:
    """The latest version of each of the document's files, the document itself (``MAIN``) first."""
    latest: dict[tuple[str, str], DocumentFile] = {}
    for row in document.files.select_related("blob").order_by("role", "name", "version"):
        latest[(row.role, row.name)] = row
    rows = sorted(latest.values(), key=lambda row: (row.role != FileRole.MAIN, row.role, row.name))
    return [TravellingFile(row.role, row.name, row.blob.content_type, blobs.read(row.blob)) for row in rows]


def attachments(files: list[TravellingFile]) -> list[Attachment]:
    """The files as a packet carries them, each described by its role in the deployment's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return [Attachment(name=file.name, content_type=file.content_type, content=file.content,
                           description=str(FileRole(file.role).label)) for file in files]


def from_packet(packet: DocumentPacket) -> list[TravellingFile]:
    """A packet's files as the receiving document keeps them: the first PDF is the document itself."""
    main = next((file for file in packet.attachments if file.content.startswith(b"%PDF-")), None)
    return [TravellingFile(FileRole.MAIN if file is main else FileRole.ATTACHMENT, file.name,
                           PDF if file is main else file.content_type, file.content) for file in packet.attachments]


def packet_document(document: Document, *, issued_date: date) -> PacketDocument:
    """The document's metadata in a packet's ``MessageHeader`` (``issued_date``: its own, checked)."""
    kind = document.document_type
    return PacketDocument(
        code_number=document.code_number, code_notation=document.code_notation, issued_date=issued_date,
        subject=document.subject, signer_competence=document.signer_competence,
        signer_position=document.signer_position, signer_name=document.signer_name, due_date=document.due_date,
        document_type=DocumentKind(type=ADMINISTRATIVE, detail=0, name=kind.name) if kind else None,
        priority=Priority.of_urgency(document.urgency), page_amount=document.page_amount,
        to_places=tuple(str(r.get("organ_name") or r.get("organ_id") or "")[:150]
                        for r in document.recipients if isinstance(r, dict)))


def document_type_named(name: str) -> DocumentType | None:
    """The kind of document a packet names (senders agree on the name, not on the numbers)."""
    return DocumentType.objects.filter(name__iexact=name.strip()).order_by("pk").first() if name.strip() else None


def fields_from_packet(packet: DocumentPacket) -> dict:
    """The incoming record's fields from a packet (its DocumentId is the caller's to give)."""
    fields = {key: value for key, value in packet.record_fields().items() if key != "exchange_id"}
    if fields.get("page_amount") is not None and fields["page_amount"] > _PAGES_MAX:
        fields["page_amount"] = None
    kind = packet.document.document_type
    fields["document_type"] = document_type_named(kind.name) if kind else None
    return fields


def fields_from_document(document: Document, *, organ_id: str, organ_name: str) -> dict:
    """The incoming record's fields from an outgoing document of this system, sent by ``organ_id``."""
    return {"code_number": document.code_number, "code_notation": document.code_notation,
            "issued_date": document.issued_date, "organ_name": organ_name, "organ_id": organ_id,
            "subject": document.subject, "signer_competence": document.signer_competence,
            "signer_position": document.signer_position, "signer_name": document.signer_name,
            "recipients": document.recipients, "urgency": document.urgency, "page_amount": document.page_amount,
            "due_date": document.due_date, "document_type": document.document_type}
