"""Service tasks the document office offers to BPMN (registered in ``DocumentsConfig.ready``).

- ``documents.register_incoming`` (quick, inside the step): the document record from the register
  form's data (or the record the exchange created at arrival), its arrival number and date from the
  body's register, the link to the process; returns ``{"document_id", "arrival_number",
  "arrival_date", "register"}``. The number is taken inside the step's transaction: a step that
  fails gives it back with everything else.
"""

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from engine import handlers
from engine.exceptions import InvalidData

from . import numbering, records
from .models import URGENCY_RANK, Confidentiality, Direction, Document, DocumentType

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


@handlers.register("documents.register_incoming",
                   description="Record an incoming document and give it the next arrival number of its register.")
def register_incoming(*, params, data, context):
    instance = context.instance
    document = Document.objects.filter(pk=data.get("document_id")).first() if data.get("document_id") else None
    if document is None:
        document = Document(direction=Direction.INCOMING, body=instance.body, created_by=context.actor)
    for field in FIELDS:
        if data.get(field) not in (None, ""):
            setattr(document, field, str(data[field])[:LIMITS[field]])
    document.issued_date = _issued_date(data.get("issued_date")) or document.issued_date
    document.document_type = _document_type(data) or document.document_type
    if data.get("type_name") and document.document_type is None:
        document.description = document.description or str(data["type_name"])[:500]
    if data.get("page_amount"):
        document.page_amount = int(data["page_amount"])
    urgency = data.get("urgency") or document.urgency
    if URGENCY_RANK[urgency] < URGENCY_RANK[document.urgency]:
        raise InvalidData(_("The urgency the sender set cannot be lowered."), errors={"urgency": [
            _("At least %(urgency)s.") % {"urgency": document.get_urgency_display()}]})
    document.urgency = urgency
    document.confidentiality = data.get("confidentiality") or document.confidentiality or Confidentiality.NONE
    records.save(document)
    records.register_incoming(document, actor=context.actor, instance=instance, at=context.now)
    records.handled_by(document, instance)
    return {"document_id": str(document.pk), "arrival_number": document.arrival_number,
            "arrival_date": timezone.localtime(document.arrival_date).date().isoformat(),
            "register": document.register.name if document.register else ""}
