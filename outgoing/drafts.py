"""A draft's versions: laid out from its fields by the built-in renderer, or converted from a Word
file the drafter uploads; and the signer's approval, which names one version's bytes.

Decree 30 Art. 11.2: a document changed after the signer approved it goes back to the signer.
Here a change is a new version; when the approval in force names the version before it, the
approval is void (audited) and the procedure is told (the engine message ``outgoing_draft_changed``
with the document id as its key), which takes it from the signing steps back to the signer.
"""

from __future__ import annotations

import io
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields as pdf_fields

from directory.models import Body
from directory.people import display_name
from documents import conversion, formatcheck, records
from documents.models import Confidentiality, Document, DocumentType, HandlingStatus, Urgency
from engine import audit, messaging
from engine.exceptions import Conflict, InvalidData
from exchange import peers
from signing import documents as signing_files
from signing.models import FileKind
from signing.render import PERSON_FIELD, DocumentMetadata, SignatureBlock, System, render_document

from .models import Decision, DraftVersion, Review, Source, Step

#: The message that takes the procedure back to the signer when an approved draft changes.
CHANGED = "outgoing_draft_changed"

#: The fields a version is made from; a new version records which of them changed.
FIELDS = ("document_type", "subject", "body_text", "number_text", "signature_block", "signer", "recipients",
          "urgency", "confidentiality")

#: Where the signature goes on the last page of a converted Word draft, in points (x1, y1, x2, y2):
#: the right column above the bottom margin, where Decree 30 Appendix I puts the signature block.
DOCX_SIGNATURE_BOX = (300, 120, 470, 205)


def latest(document: Document) -> DraftVersion | None:
    return document.versions.select_related("file").order_by("-number").first()


def approval(document: Document) -> Review | None:
    """The signer's latest approval of the draft, whichever version it names."""
    return (Review.objects.select_related("version").filter(version__document=document, step=Step.SIGNER)
            .order_by("-created_at", "-id").first())


def approval_in_force(document: Document) -> Review | None:
    """The signer's approval when it names the latest version (and is not a rejection)."""
    found = approval(document)
    newest = latest(document)
    if found is None or found.decision != Decision.APPROVE or newest is None or found.version_id != newest.pk:
        return None
    return found


def place() -> str:
    """The place name of the date line (the deployment's commune)."""
    return str(getattr(settings, "DOCUMENTS", {}).get("PLACE", "Vĩnh An"))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in str(text or "").splitlines() if line.strip()]


def paragraphs(text: str) -> list[str]:
    """Paragraphs separated by blank lines; the lines of one paragraph joined."""
    blocks, current = [], []
    for line in str(text or "").splitlines():
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append(" ".join(current))
            current = []
    if current:
        blocks.append(" ".join(current))
    return blocks


def _signer_name(username: str) -> str:
    person = get_user_model().objects.filter(username=username).first() if username else None
    return display_name(person) if person is not None else ""


def render(fields: dict, *, body: Body, day: date) -> bytes:
    """The draft laid out in its body's system (Party or State): the number line as typed and the place
    and date line ("…, ngày … tháng … năm …") are text fields the number step fills (``signing.fill``)."""
    kind = DocumentType.objects.filter(code=fields.get("document_type") or "").first()
    if kind is None:
        raise InvalidData(_("Choose the document type."), errors={"document_type": [_("Unknown document type.")]})
    titles = tuple(line.upper() for line in _lines(fields.get("signature_block", "")))
    names = [r["organ_name"] or r["organ_id"] for r in recipients(fields.get("recipients") or [])]
    metadata = DocumentMetadata(
        system=System.PARTY if formatcheck.is_party(body) else System.STATE,
        organ_name=body.name.upper(), code_number=0, code_notation="",
        number_line=str(fields.get("number_text") or formatcheck.expected_number(number="", document_type=kind,
                                                                                  body=body)),
        place=place(), issued_date=day, fillable=True,
        signature=SignatureBlock(titles=titles or ("",), signer_name=_signer_name(str(fields.get("signer") or ""))),
        parent_organ_name=body.parent.name.upper() if body.parent is not None else "",
        type_name="" if kind.code == "cong_van" else kind.name, subject=str(fields.get("subject") or ""),
        recipients=(*names, "Lưu VT"))
    return render_document(metadata=metadata, body=paragraphs(fields.get("body_text", ""))).pdf


def with_signature_field(pdf: bytes) -> bytes:
    """A converted Word draft gets the empty field of the person's signature on its last page, where a
    rendered draft has it, so the signing steps find their place the same way."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    if any(name == PERSON_FIELD for name, *_rest in pdf_fields.enumerate_sig_fields(reader)):
        return pdf
    pages = int(reader.root["/Pages"]["/Count"])
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    pdf_fields.append_signature_field(writer, pdf_fields.SigFieldSpec(PERSON_FIELD, on_page=pages - 1,
                                                                      box=DOCX_SIGNATURE_BOX))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def recipients(codes) -> list[dict]:
    """Identification codes → ``[{organ_id, organ_name}]`` with the names the directory knows."""
    codes = [str(code).strip() for code in codes if str(code).strip()]
    names = dict(Body.objects.filter(organ_id__in=codes).values_list("organ_id", "name"))
    return [{"organ_id": code, "organ_name": names.get(code, "")} for code in codes]


def describe(document: Document, fields: dict) -> None:
    """The record's metadata follows the draft's latest version (lists, search and the register show it)."""
    kind = DocumentType.objects.filter(code=fields.get("document_type") or "").first()
    document.subject = str(fields.get("subject") or document.subject)[:500]
    document.document_type = kind or document.document_type
    document.urgency = fields.get("urgency") or document.urgency or Urgency.THUONG
    document.confidentiality = fields.get("confidentiality") or Confidentiality.NONE
    document.recipients = recipients(fields.get("recipients") or [])
    records.save(document, update_fields=["subject", "document_type", "urgency", "confidentiality", "recipients"])


def check_editable(document: Document) -> None:
    if document.status != HandlingStatus.DRAFT or document.code_number:
        raise Conflict(_("The document is no longer a draft: it was signed and numbered, so it cannot be changed. "
                         "Issue a correction or a replacement instead."))


def new_version(document: Document, *, fields: dict, actor, docx: bytes | None = None, note: str = "",
                context=None) -> DraftVersion:
    """The draft's next version from ``fields`` (laid out) or ``docx`` (converted). An unchanged draft
    makes no version: the latest one is returned. Voids an approval in force (Art. 11.2).

    ``context``: the step's, when a service task makes the version (its audit entries join the
    step's); without it (an edit through the API) the procedure is sent the change message."""
    instance = getattr(context, "instance", None) or _instance_of(document)
    check_editable(document)
    body = Body.objects.select_related("parent").filter(code=document.body).first()
    if body is None:
        raise InvalidData(_("The draft's issuing body is not in the directory."))
    fields = {name: fields.get(name) for name in FIELDS if fields.get(name) not in (None, "", [])}
    if fields.get("confidentiality") in records.PAPER_ONLY:
        message = _("A Tối mật or Tuyệt mật document is drafted and kept on paper, not in the networked system.")
        raise InvalidData(message, errors={"confidentiality": [message]})
    if fields.get("recipients") and not fields.get("confidentiality"):
        # Said to the drafter now, not to the clerk after both signatures (``issue`` sends): a code no
        # body here and no exchange peer serves. A Mật document goes on paper and needs no route.
        peers.route(str(code).strip() for code in fields["recipients"] if str(code).strip())
    previous = latest(document)
    changes = [name for name in FIELDS if (previous.fields if previous else {}).get(name) != fields.get(name)]
    if docx is not None:
        pdf, source = with_signature_field(conversion.docx_to_pdf(docx)), Source.DOCX
        changes.append("file")
    elif previous is not None and previous.source == Source.DOCX:
        pdf, source = bytes(previous.file.pdf), Source.DOCX  # metadata changed, the Word text did not
    else:
        pdf, source = render(fields, body=body, day=timezone.localdate()), Source.RENDERED
    if previous is not None and not changes:
        return previous
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        check_editable(document)
        in_force = approval_in_force(document)
        number = (document.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        stored = signing_files.store(pdf, kind=FileKind.RENDERED, file_name=f"du-thao-v{number}.pdf",
                                     created_by=actor if getattr(actor, "pk", None) else None,
                                     instance_id=getattr(instance, "pk", None))  # who takes part sees it
        version = DraftVersion.objects.create(document=document, number=number, source=source, fields=fields,
                                              changes=changes, file=stored, sha256=stored.sha256, note=note[:500],
                                              created_by=actor if getattr(actor, "pk", None) else None)
        describe(document, fields)
        entries = [audit.Entry("draft_version", actor=actor, after={
            "document_id": str(document.pk), "version": number, "changes": changes, "sha256": stored.sha256})]
        if in_force is not None:
            entries.append(audit.Entry("approval_voided", actor=actor, before={
                "version": in_force.version.number, "sha256": in_force.version.sha256,
                "approved_by": audit.person(in_force.reviewer) if in_force.reviewer else None},
                after={"version": number, "reason": "Điều 11.2 Nghị định 30/2020/NĐ-CP"}))
        if context is not None:
            for entry in entries:
                context.record(entry)
        else:
            audit.append(instance if instance is not None else f"document:{document.pk}", entries)
        if in_force is not None and context is None:
            messaging.deliver(name=CHANGED, correlation_key=str(document.pk),
                              message_id=f"{CHANGED}:{document.pk}:{number}",
                              data={"version": number, "approval_voided": True}, actor=actor)
    return version


def _instance_of(document: Document):
    """The procedure that drafts the document (its latest one)."""
    row = document.processes.select_related("instance").order_by("instance__started_at").last()
    return row.instance if row is not None else None


def record_review(version: DraftVersion, *, step: str, decision: str, comment: str, reviewer, task_id=None,
                  findings=None) -> Review:
    done = Review.objects.filter(version__document_id=version.document_id, step=step).count()
    return Review.objects.create(version=version, step=step, round=done + 1, decision=decision,
                                 comment=comment[:4000], findings=findings or [], task_id=task_id,
                                 reviewer=reviewer if getattr(reviewer, "pk", None) else None)
