"""Service tasks of the outgoing procedure (``processes/bpmn/outgoing_document.bpmn``).

Quick ones run inside the step (a failure takes back everything, a number included):

- ``outgoing.open_draft``: the document record (a draft of the instance's body), its drafter and
  drafting unit; a correction or replacement names its original (``corrects`` / ``replaces``).
- ``outgoing.save_draft``: the draft form's fields → the next version (``outgoing.drafts``).
- ``outgoing.choose_signer``: the person who approves and signs, from the routing table's role and
  body (``approver_role``, ``approver_body``) or the drafter's choice among its holders.
- ``outgoing.review`` (``params["step"]``: content, format, signer): the reviewer's decision on the
  latest version, kept with it. The drafter never approves their own draft. The signer's approval
  names the version's bytes (``approved_sha256``) and its file becomes the one to sign.
- ``outgoing.number``: after the person signs and before the organisation does (Decree 30 Art. 15,
  32.2.c–d): the number from the body's outgoing register (the secret one when confidential), the
  notation in the body's system, the issue date; a duplicate is refused. Both are printed into the
  signed PDF's number and date fields as form filling (``signing.fill``), which leaves the personal
  signature valid; the filled version is the one the clerk seals.
- ``outgoing.issue``: the signed PDF and appendices become the record's files, the document is
  issued and sent: to bodies of this deployment as an incoming document, to others as edXML.

In the background (a job, retried): ``outgoing.sign_appendices``: each appendix in a separate file
signed by the organisation with the number and the time (S06), at most once per appendix.
"""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from directory import roles
from directory.models import Body, Holding
from directory.people import display_name
from documents import access, formatcheck, numbering, records
from documents.models import (
    Direction,
    Document,
    FileRole,
    HandlingStatus,
    LinkKind,
    full_number,
)
from engine import audit, handlers
from engine.exceptions import InvalidData, NotAllowed
from exchange import sending
from exchange.exceptions import NotSendable
from signing import documents as signing_files
from signing import fill
from signing.exceptions import SigningError
from signing.handlers import RETRIED, choose_certificate, refusal
from signing.models import DocumentFile, FileKind, HolderKind
from signing.render import System, format_notation, format_place_date
from signing.sign import sign_attachment

from . import drafts, recall
from .models import Decision, Step


def _document(data, *, lock: bool = False) -> Document:
    rows = Document.objects.select_for_update() if lock else Document.objects.all()
    try:
        found = rows.filter(pk=uuid.UUID(str(data.get("document_id"))), direction=Direction.OUTGOING).first()
    except ValueError:
        found = None
    if found is None:
        raise InvalidData(_("The process names no outgoing document."), errors={"document_id": [_("Not a document.")]})
    return found


def _original(value, *, body: str) -> Document | None:
    if not value:
        return None
    try:
        found = Document.objects.filter(pk=uuid.UUID(str(value)), body=body, direction=Direction.OUTGOING).first()
    except ValueError:
        found = None
    if found is None or found.status not in (HandlingStatus.ISSUED,):
        message = _("A correction or a replacement names an issued document of the same body.")
        raise InvalidData(message, errors={"corrects": [message], "replaces": [message]})
    return found


@handlers.register("outgoing.open_draft", description="Open the outgoing document's record as a draft.")
def open_draft(*, params, data, context):
    instance, actor = context.instance, context.actor
    if data.get("document_id"):
        document = _document(data)
    else:
        document = Document(direction=Direction.OUTGOING, body=instance.body, status=HandlingStatus.DRAFT,
                            subject=str(data.get("subject") or _("(draft)"))[:500],
                            created_by=actor if getattr(actor, "pk", None) else None)
        records.save(document)
        records.handled_by(document, instance)
    for kind, key in ((LinkKind.CORRECTS, "corrects"), (LinkKind.REPLACES, "replaces")):
        original = _original(data.get(key), body=document.body)
        if original is not None:
            recall.link_correction(document, original, kind, actor)
            document.refresh_from_db()
    drafter = data.get("drafter") or (actor.get_username() if getattr(actor, "pk", None) else "")
    unit = data.get("drafting_unit") or _unit_of(actor, timezone.localdate(context.now)) or instance.body
    context.record(audit.Entry("draft_opened", actor=actor, after={"document_id": str(document.pk),
                                                                    "drafter": drafter, "drafting_unit": unit}))
    return {"document_id": str(document.pk), "drafter": drafter, "drafting_unit": unit,
            "issuing_body": instance.body,
            "document_type": document.document_type.code if document.document_type else ""}


def _unit_of(user, day) -> str:
    """The body of the position the person holds (the first one): the unit they draft for."""
    if not getattr(user, "pk", None):
        return ""
    holding = (Holding.objects.in_force(day).filter(user=user).select_related("position__body")
               .order_by("valid_from", "pk").first())
    return holding.position.body.code if holding is not None else ""


@handlers.register("outgoing.save_draft", description="Make the draft's next version from the draft form.")
def save_draft(*, params, data, context):
    document = _document(data, lock=True)
    version = drafts.new_version(document, fields=data, actor=context.actor, note=str(data.get("note") or ""),
                                 context=context)
    document.refresh_from_db()
    return {"version": version.number, "file_id": str(version.file_id), "sha256": version.sha256,
            "listed_subject": access.listed_subject(document),
            "appendices": _appendices(data.get("appendix_files") or [], actor=context.actor)}


def _appendices(ids, *, actor) -> list[dict]:
    """Appendices in separate files: PDFs the drafter stored (``/api/v1/signing/files/``)."""
    found = []
    for raw in ids:
        try:
            row = DocumentFile.objects.defer("pdf").filter(pk=uuid.UUID(str(raw)), kind=FileKind.RENDERED).first()
        except ValueError:
            row = None
        if row is None or (getattr(actor, "pk", None) and row.created_by_id not in (None, actor.pk)):
            message = _("An appendix must be a PDF file you stored for signing.")
            raise InvalidData(message, errors={"appendix_files": [message]})
        found.append({"file_id": str(row.pk), "sha256": row.sha256, "name": row.file_name})
    return found


@handlers.register("outgoing.choose_signer",
                   description="Name the person who approves and signs, from the routing table's role and body.")
def choose_signer(*, params, data, context):
    role, body = data.get("approver_role") or "", data.get("approver_body") or context.instance.body
    if not role:
        raise InvalidData(_("The routing table names no approver for this document."))
    day = timezone.localdate(context.now)
    holders = roles.holders(role, body, at=day)
    people = {user.get_username(): user for user in get_user_model().objects.filter(pk__in=holders)}
    wanted = str(data.get("signer") or "")
    if wanted:
        if wanted not in people:
            message = _("%(name)s does not hold the position that signs this document.") % {"name": wanted}
            raise InvalidData(message, errors={"signer": [message]})
        chosen = wanted
    elif len(people) == 1:
        chosen = next(iter(people))
    else:
        message = (_("Nobody holds the position that signs this document.") if not people else
                   _("Several people may sign this document: name the signer."))
        raise InvalidData(message, errors={"signer": [message]})
    return {"signer": chosen, "signer_name": display_name(people[chosen])}


@handlers.register("outgoing.review", description="Record a reviewer's decision on the draft's latest version.")
def review(*, params, data, context):
    step = params.get("step")
    if step not in Step.values:
        raise ValueError(f"service task parameter 'step' must be one of {Step.values}, got {step!r}")
    decision = data.get("decision")
    if decision not in Decision.values:
        message = _("Choose to approve the draft or return it for rework.")
        raise InvalidData(message, errors={"decision": [message]})
    comment = str(data.get("comment") or "").strip()
    if decision == Decision.REJECT and not comment:
        message = _("Say what must be reworked.")
        raise InvalidData(message, errors={"comment": [message]})
    actor = context.actor
    if getattr(actor, "pk", None) and actor.get_username() == data.get("drafter"):
        raise NotAllowed(_("The drafter does not approve their own draft."))
    document = _document(data, lock=True)
    version = drafts.latest(document)
    if version is None:
        raise InvalidData(_("The draft has no version to review."))
    findings = (data.get("format_check") or {}).get("findings", []) if step == Step.FORMAT else []
    drafts.record_review(version, step=step, decision=decision, comment=comment, reviewer=actor, findings=findings)
    context.record(audit.Entry(f"draft_{decision}d" if decision == Decision.APPROVE else "draft_returned",
                               actor=actor, after={"document_id": str(document.pk), "step": step,
                                                   "version": version.number, "comment": comment}))
    result = {"step": step, "decision": decision, "version": version.number, "comment": comment}
    if step == Step.SIGNER and decision == Decision.APPROVE:
        result.update(approved_sha256=version.sha256, approved_version=version.number, file_id=str(version.file_id))
    return result


def notation_of(document: Document, body: Body, drafting_unit: str) -> str:
    """``KH/ĐU`` (Party), ``QĐ-UBND`` (State), ``UBND-VX`` (a State công văn names its drafting unit)."""
    kind = document.document_type
    if kind is None:
        raise InvalidData(_("The document has no type to number it by."))
    if formatcheck.is_party(body):
        return f"{kind.abbreviation}/{body.abbreviation}"
    if kind.code == "cong_van":
        unit = Body.objects.filter(code=drafting_unit).values_list("abbreviation", flat=True).first() or ""
        return f"{body.abbreviation}-{unit}" if unit and drafting_unit != body.code else body.abbreviation
    return f"{kind.abbreviation}-{body.abbreviation}"


@handlers.register("outgoing.number",
                   description="Give the signed document its number from the body's outgoing register.")
def number(*, params, data, context):
    document = _document(data, lock=True)
    if document.code_number:
        return _numbered(document, _printed(document, data, context))
    body = Body.objects.get(code=document.body)
    register = numbering.register_for(document.body, Direction.OUTGOING, secret=document.confidential)
    at = context.now
    entry = numbering.issue(register, when=at, document_type=document.document_type, document=document,
                            instance=context.instance, actor=context.actor)
    code_number, code_notation = f"{entry.number:02d}", notation_of(document, body, data.get("drafting_unit") or "")
    issued = timezone.localtime(at).date()
    twin = (Document.objects.filter(body=document.body, direction=Direction.OUTGOING, code_number=code_number,
                                    code_notation=code_notation, issued_date__year=issued.year)
            .exclude(pk=document.pk).first())
    if twin is not None:
        raise InvalidData(
            _("Duplicate document: %(notation)s of %(organ)s is already registered (issued %(date)s).")
            % {"notation": full_number(code_number, code_notation), "organ": body.name,
               "date": twin.issued_date.strftime("%d/%m/%Y") if twin.issued_date else ""},
            errors={"code_notation": [_("Already registered.")]})
    document.register, document.code_number, document.code_notation = register, code_number, code_notation
    document.issued_date, document.organ_name, document.organ_id = issued, body.name, body.organ_id
    records.save(document, update_fields=["register", "code_number", "code_notation", "issued_date", "organ_name",
                                          "organ_id"])
    context.record(audit.Entry("document_numbered", actor=context.actor, after={
        "document_id": str(document.pk), "number": full_number(code_number, code_notation),
        "register": register.name, "series_number": entry.number}))
    return _numbered(document, _printed(document, data, context, body=body))


def _numbered(document: Document, file_id: str) -> dict:
    return {"code_number": document.code_number, "code_notation": document.code_notation,
            "number_notation": full_number(document.code_number, document.code_notation),
            "issued_date": document.issued_date.isoformat() if document.issued_date else None,
            "file_id": file_id}


def printed_lines(document: Document, body: Body) -> dict[str, str]:
    """The number line and the place-and-date line as the issued document prints them (BRIEF §1.7:
    Party "Số 06-KH/ĐU", State "Số: 15/QĐ-UBND"; day and month below 10 with a leading zero)."""
    system = System.PARTY if formatcheck.is_party(body) else System.STATE
    assert document.issued_date is not None, "a numbered document has its issue date"
    return {fill.NUMBER_FIELD: format_notation(system=system, number=int(document.code_number),
                                               notation=document.code_notation),
            fill.DATE_FIELD: format_place_date(place=drafts.place(), day=document.issued_date)}


def _printed(document: Document, data, context, *, body: Body | None = None) -> str:
    """The personally signed version with the number and the date filled in (one incremental update,
    stored once per document); a draft without those fields (made before they existed) is sealed as
    it was signed, its number in the record and the register only."""
    signed = DocumentFile.objects.get(pk=data["file_id"])
    key = f"outgoing-number:{document.pk}"
    done = signing_files.by_key(key)
    if done is not None:
        return str(done.pk)
    if signed.kind != FileKind.PERSON_SIGNED:
        raise InvalidData(_("Only a document signed by the competent person is numbered."))
    pdf = bytes(signed.pdf)
    if not {fill.NUMBER_FIELD, fill.DATE_FIELD} <= set(fill.field_values(pdf)):
        return str(signed.pk)
    lines = printed_lines(document, body or Body.objects.get(code=document.body))
    name = f"{full_number(document.code_number, document.code_notation).replace('/', '-')}.pdf"
    done = signing_files.store(fill.fill(pdf, lines), kind=FileKind.PERSON_SIGNED, file_name=name, parent=signed,
                               instance_id=context.instance.pk, idempotency_key=key)
    context.record(audit.Entry("number_printed", actor=context.actor, after={
        "document_id": str(document.pk), "file_id": str(done.pk), "sha256": done.sha256, **lines}))
    return str(done.pk)


@handlers.register("outgoing.sign_appendices", background=True,
                   description="Sign each appendix in a separate file as the organisation, with the number.")
def sign_appendices(*, params, data, context):
    signed = []
    for index, appendix in enumerate(data.get("appendices") or []):
        key = f"{context.idempotency_key}:{index}"
        done = signing_files.by_key(key)
        if done is None:
            source = DocumentFile.objects.get(pk=appendix["file_id"])
            certificate = choose_certificate({"body": data.get("issuing_body")}, kind=HolderKind.ORGANISATION)
            if certificate is None:
                return refusal("certificate_missing", _("No signing certificate is registered for this signer."))
            try:
                result = sign_attachment(pdf=source.content, certificate=certificate,
                                         approved_sha256=appendix["sha256"], notation=data.get("number_notation", ""))
            except RETRIED:
                raise
            except SigningError as err:  # a business refusal: the process shows it (see signing.handlers)
                return refusal(err.code, err)
            done = signing_files.store(result.pdf, kind=FileKind.ATTACHMENT, parent=source, certificate=certificate,
                                       instance_id=uuid.UUID(context.instance_id), idempotency_key=key)
        signed.append({"file_id": str(done.pk), "sha256": done.sha256, "name": appendix.get("name", "")})
    return {"ok": True, "files": signed}


@handlers.register("outgoing.issue",
                   description="Attach the signed files, issue the document and send it to its recipients.")
def issue(*, params, data, context):
    document = _document(data, lock=True)
    actor = context.actor
    if document.status != HandlingStatus.ISSUED:
        main = DocumentFile.objects.get(pk=data["file_id"])
        if main.kind != FileKind.ORGANISATION_SIGNED:
            raise InvalidData(_("Only a document signed by the person and the organisation is issued."))
        printed = fill.field_values(main.content)
        expected = printed_lines(document, Body.objects.get(code=document.body))
        if set(expected) <= set(printed) and any(printed[name] != line for name, line in expected.items()):
            raise InvalidData(_("The number and date printed in the document are not those the register gave."))
        name = f"{full_number(document.code_number, document.code_notation).replace('/', '-')}.pdf"
        records.attach(document, main.content, name=name, role=FileRole.MAIN, actor=actor)
        for appendix in (data.get("appendix_signatures") or {}).get("files", []):
            row = DocumentFile.objects.get(pk=appendix["file_id"])
            records.attach(document, row.content, name=appendix.get("name") or f"phu-luc-{row.pk}.pdf",
                           role=FileRole.APPENDIX, actor=actor)
        records.set_status(document, HandlingStatus.ISSUED, actor=actor, at=context.now)
        context.record(audit.Entry("document_issued", actor=actor, after={
            "document_id": str(document.pk), "number": full_number(document.code_number, document.code_notation)}))
    sent, paper = [], ""
    if not document.recipients:
        paper = ""
    elif not access.may_forward(document):
        paper = _("A confidential document is not sent through the electronic exchange; send it on paper.")
    else:
        try:
            sent = [{"organ_id": d.organ_id, "organ_name": d.organ_name, "status": d.status}
                    for d in sending.send(document, actor=actor)]
        except NotSendable as err:
            raise InvalidData(err.message, errors=getattr(err, "errors", None) or {}) from None
    return {"status": document.status, "sent": sent, "paper": paper,
            "number_notation": full_number(document.code_number, document.code_notation)}
