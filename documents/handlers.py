"""Service tasks the document office offers to BPMN (registered in ``DocumentsConfig.ready``).

All are quick (inside the step's transaction: a step that fails takes back everything they did,
numbers included) and find their document by ``document_id`` in the process data. Receiving and
registering return ``listed_subject`` (``access.listed_subject``), which the procedure shows as its
subject in lists: a Tuyệt mật subject never reaches a worklist.

- ``documents.receive_incoming``: the document record as it arrived (or the one the exchange
  created), linked to the process; the urgency on it is the sender's, which nobody may lower later.
- ``documents.register_incoming``: the register form's metadata, the arrival number and date from
  the body's register (the secret one when confidential), the default handling deadline from the
  document's type and urgency in working days.
- ``documents.return_incoming``: returned to the sender with the reason (``params["reason"]``, else the
  receive form's ``reject_reason``); no number taken.
- ``documents.assign_incoming``: the leader's assignment: lead unit or person, co-operating units and
  persons (the ``cooperators`` their tasks are made for), the deadline on the record.
- ``documents.check_reply``: "done" is refused without a linked reply when the leader required one
  (S07); a reply named in the data is linked.
- ``documents.set_status``: a handling status (``params["status"]``) on the record.
- ``documents.check_format``: the format checker's list (``documents.formatcheck``) for the number
  line and signature block in the data: findings to show, nothing refused (the checker decides).
- ``documents.notify``: ``engine.notify`` (same parameters) with the process's document named in each
  recipient's notice as ``access.notice_label`` allows them: no confidential subject, nothing for
  someone who may not see the document.
"""

from datetime import date, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from directory import roles
from directory.models import Body
from engine import audit, builtin_handlers, expressions, handlers
from engine.exceptions import InvalidData

from . import access, formatcheck, numbering, records, signals
from .models import (
    URGENCY_RANK,
    Confidentiality,
    Direction,
    Document,
    DocumentType,
    HandlingStatus,
    LinkKind,
    Urgency,
    full_number,
)

#: Who distributes a lead unit's work among its specialists: the unit's leaders.
UNIT_HEAD_ROLE = "lanh_dao"

#: Register-form fields copied onto the record (Appendix VI names), with their lengths.
FIELDS = ("code_number", "code_notation", "organ_name", "organ_id", "subject", "signer_competence", "signer_position",
          "signer_name", "description")
LIMITS = {field.name: field.max_length for field in Document._meta.concrete_fields if field.name in FIELDS}


def _document_type(data) -> DocumentType | None:
    code = data.get("document_type")
    if not code:
        return None
    found = DocumentType.objects.filter(code=code).first()
    if found is None:
        raise InvalidData(_("Unknown document type: %(type)s.") % {"type": code},
                          errors={"document_type": [_("Unknown document type.")]})
    return found


def _issued_date(value) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidData(_("The issued date is not a valid date."), errors={"issued_date": [_("Not a date.")]}) \
            from None


@handlers.on_cancel
def numbers_of_cancelled_process(instance, *, actor, reason):
    """A cancelled process keeps the numbers it took on record, as cancelled (never reused)."""
    numbering.cancel_for_instance(instance, reason=reason)


def _document_of(data) -> Document | None:
    document_id = data.get("document_id")
    if not document_id:
        return None
    try:
        return Document.objects.filter(pk=document_id).first()
    except (ValueError, ValidationError):
        raise InvalidData(_("The process names a document that does not exist."),
                          errors={"document_id": [_("Not a document.")]}) from None


def _copy_metadata(document: Document, data) -> None:
    for field in FIELDS:
        if data.get(field) not in (None, ""):
            setattr(document, field, str(data[field])[:LIMITS[field]])
    document.issued_date = _issued_date(data.get("issued_date")) or document.issued_date
    document.document_type = _document_type(data) or document.document_type
    if data.get("type_name") and document.document_type is None:
        document.description = document.description or str(data["type_name"])[:500]
    if data.get("page_amount"):
        document.page_amount = int(data["page_amount"])


def _urgency(document: Document, wanted) -> str:
    """The urgency the clerk registers: the sender's or higher, never lower (S02)."""
    wanted = wanted or document.urgency
    if wanted not in URGENCY_RANK:
        raise InvalidData(_("Unknown urgency: %(urgency)s.") % {"urgency": wanted},
                          errors={"urgency": [_("Unknown urgency.")]})
    if URGENCY_RANK[wanted] < URGENCY_RANK[document.urgency]:
        raise InvalidData(_("The urgency the sender set cannot be lowered."), errors={"urgency": [
            _("At least %(urgency)s.") % {"urgency": document.get_urgency_display()}]})
    return wanted


@handlers.register("documents.receive_incoming",
                   description="Record an incoming document as it arrived and link it to the process.")
def receive_incoming(*, params, data, context):
    instance = context.instance
    document = _document_of(data)
    if document is None:
        document = Document(direction=Direction.INCOMING, body=instance.body, created_by=context.actor)
        _copy_metadata(document, data)
        document.urgency = _urgency(document, data.get("urgency") or Urgency.THUONG)
        document.confidentiality = data.get("confidentiality") or Confidentiality.NONE
        records.save(document)
        context.record(audit.Entry("document_received", actor=context.actor, after={
            "document_id": str(document.pk), "urgency": document.urgency, "urgency_set_by": "sender"}))
    records.handled_by(document, instance)
    signals.received.send(sender=Document, document=document, data=data, actor=context.actor)
    return {"document_id": str(document.pk), "urgency": document.urgency,
            "listed_subject": access.listed_subject(document)}


def default_deadline(document: Document, at) -> str:
    """The handling deadline (an ISO date) a leader starts from: the type's working days, or the
    urgency's SLA when that is sooner (Khẩn, Thượng khẩn, Hỏa tốc); they may set another."""
    days = document.document_type.handling_days if document.document_type else DocumentType._meta.get_field(
        "handling_days").get_default()
    due = expressions.working_days(days, at)
    if document.urgency != Urgency.THUONG:
        due = min(due, expressions.urgency_due(document.urgency, at), key=datetime.fromisoformat)
    return datetime.fromisoformat(due).date().isoformat()


@handlers.register("documents.register_incoming",
                   description="Record an incoming document and give it the next arrival number of its register.")
def register_incoming(*, params, data, context):
    instance = context.instance
    document = _document_of(data)
    if document is None:
        document = Document(direction=Direction.INCOMING, body=instance.body, created_by=context.actor)
    sender_urgency = document.urgency
    _copy_metadata(document, data)
    document.urgency = _urgency(document, data.get("urgency"))
    document.confidentiality = data.get("confidentiality") or document.confidentiality or Confidentiality.NONE
    records.save(document)
    records.register_incoming(document, actor=context.actor, instance=instance, at=context.now)
    records.handled_by(document, instance)
    deadline = default_deadline(document, context.now)
    context.record(audit.Entry("document_registered", actor=context.actor, after={
        "document_id": str(document.pk), "arrival_number": document.arrival_number,
        "register": document.register.name if document.register else "", "urgency": document.urgency,
        "sender_urgency": sender_urgency, "deadline": deadline}))
    return {"document_id": str(document.pk), "arrival_number": document.arrival_number,
            "arrival_date": timezone.localtime(document.arrival_date).date().isoformat(),
            "arrived_at": timezone.localtime(document.arrival_date).isoformat(),
            "register": document.register.name if document.register else "", "deadline": deadline,
            "urgency": document.urgency, "listed_subject": access.listed_subject(document),
            "number_notation": full_number(document.code_number, document.code_notation)}


@handlers.register("documents.return_incoming",
                   description="Return an incoming document to its sender with the reason; no number is taken.")
def return_incoming(*, params, data, context):
    document = _document_of(data)
    reason = str(params.get("reason") or data.get("reject_reason") or "").strip()[:1000] or (
        _("Sent to the wrong recipient.") if data.get("wrong_recipient") else _("The document is not valid."))
    if document is None:
        document = Document(direction=Direction.INCOMING, body=context.instance.body, created_by=context.actor)
        _copy_metadata(document, data)
        records.save(document)
        records.handled_by(document, context.instance)
    records.set_status(document, HandlingStatus.RETURNED, reason=reason, actor=context.actor, at=context.now)
    context.record(audit.Entry("document_returned", actor=context.actor, after={
        "document_id": str(document.pk), "reason": reason}))
    return {"document_id": str(document.pk), "reason": reason}


def _deadline(value) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value)).date()
    except ValueError:
        raise InvalidData(_("The deadline is not a valid date."), errors={"deadline": [_("Not a date.")]}) from None


@handlers.register("documents.assign_incoming",
                   description="Record the leader's assignment: lead unit or person, co-operators, deadline.")
def assign_incoming(*, params, data, context):
    lead_unit, lead_handler = data.get("lead_unit") or None, data.get("lead_handler") or None
    if not (lead_unit or lead_handler):
        message = _("Name the lead unit or the person in charge.")
        raise InvalidData(message, errors={"lead_unit": [message], "lead_handler": [message]})
    if lead_unit and not lead_handler and not roles.holders(UNIT_HEAD_ROLE, lead_unit):
        message = _("The unit has no head to distribute the work: name the person in charge as well.")
        raise InvalidData(message, errors={"lead_handler": [message]})
    co_units = [unit for unit in data.get("co_units") or [] if unit != lead_unit]
    co_handlers = [person for person in data.get("co_handlers") or [] if person != lead_handler]
    document = _document_of(data)
    deadline = _deadline(data.get("deadline"))
    if document is not None:
        document.due_date, document.lead_unit, document.co_units = deadline, lead_unit or "", co_units
        records.save(document, update_fields=["due_date", "lead_unit", "co_units"])
        records.set_status(document, HandlingStatus.ASSIGNED, actor=context.actor, at=context.now)
    return {"lead_unit": lead_unit, "lead_handler": lead_handler,
            "deadline": deadline.isoformat() if deadline else None,
            "cooperators": [{"unit": unit} for unit in co_units] + [{"person": person} for person in co_handlers]}


@handlers.register("documents.check_reply",
                   description="Refuse 'done' without a linked reply when the leader required one; link the reply.")
def check_reply(*, params, data, context):
    document = _document_of(data)
    reply_id = data.get("reply_document_id")
    if document is not None and reply_id:
        reply = _document_of({"document_id": reply_id})
        if reply is None or reply.body != document.body or reply.pk == document.pk:
            message = _("The reply must be another document of this body.")
            raise InvalidData(message, errors={"reply_document_id": [message]})
        records.link(reply, document, kind=LinkKind.REPLIES_TO, actor=context.actor)
    replied = document is not None and document.links_in.filter(kind=LinkKind.REPLIES_TO).exists()
    if data.get("reply_required") and not replied:
        message = _("The leader's instruction requires a reply: link the reply document before marking it done.")
        raise InvalidData(message, errors={"reply_document_id": [message]})
    return {"replied": replied}


@handlers.register("documents.set_status", description="Set the handling status of the process's document.")
def set_status(*, params, data, context):
    status = params.get("status")
    if status not in HandlingStatus.values:
        raise InvalidData(_("Unknown handling status: %(status)s.") % {"status": status})
    document = _document_of(data)
    if document is not None:
        records.set_status(document, status, actor=context.actor, at=context.now)
    return status


class _NoticesAbout:
    """The step's context as ``engine.notify`` sees it, except that each recipient's notice names the
    document as that recipient may see it (one notice per person, in the deployment's language)."""

    def __init__(self, context, document: Document):
        self._context, self._document = context, document

    def __getattr__(self, name):
        return getattr(self._context, name)

    def notify(self, user_ids, kind: str, message: str) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            for person in get_user_model().objects.filter(pk__in=set(user_ids)).order_by("pk"):
                label = access.notice_label(person, self._document)
                text = _("%(message)s — %(document)s") % {"message": message, "document": label} if label else message
                self._context.notify([person.pk], kind, text)


@handlers.register("documents.notify",
                   description="Notify people (like engine.notify) about the process's document, named as each "
                               "recipient may see it.")
def notify(*, params, data, context):
    document = _document_of(data)
    return builtin_handlers.notify(params=params, data=data,
                                   context=context if document is None else _NoticesAbout(context, document))


@handlers.register("documents.check_format",
                   description="List what in the draft's number line and signature block breaks the format rules.")
def check_format(*, params, data, context):
    """Reads ``document_type`` (code), ``body`` (code; default the process's), ``number_text``,
    ``signature_block`` and ``signer`` (username) from the data; returns ``{"findings": [...], "ok"}``."""
    body = Body.objects.filter(code=data.get("body") or context.instance.body).first()
    kind = DocumentType.objects.filter(code=data.get("document_type") or "").first()
    if body is None or kind is None:
        message = _("The format check needs the document's type and its issuing body.")
        raise InvalidData(message, errors={"document_type": [message]})
    findings = []
    if data.get("number_text"):
        findings += formatcheck.check_number(data["number_text"], document_type=kind, body=body)
    signer = get_user_model().objects.filter(username=data.get("signer") or "").first()
    if data.get("signature_block") and signer is not None:
        findings += formatcheck.check_signature_block(data["signature_block"], signer=signer, body=body,
                                                      day=timezone.localdate(context.now))
    return {"findings": [finding.as_dict() for finding in findings], "ok": not findings}
