"""Service tasks the exchange offers to BPMN (registered in ``ExchangeConfig.ready``).

- ``exchange.send_document`` (quick, inside the step): send the outgoing document ``document_id``
  (a parameter or the process data) to ``recipients`` (a parameter: identification codes; by
  default the document's own recipients). It only writes rows — deliveries, outbox packets —
  that go out after the step commits, so it never slows the step nor sends for a step that failed;
  run again, it sends nothing twice. Returns ``{"exchange_id", "deliveries": [{"organ_id",
  "organ_name", "route", "status"}]}``. A recipient nobody serves refuses the step with its code.
"""

import uuid

from django.utils.translation import gettext as _

from documents.models import Document
from engine import handlers
from engine.exceptions import InvalidData

from . import sending


def _recipients(value) -> list[str] | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return list(value)
    raise InvalidData(_("The recipients must be identification codes."),
                      errors={"recipients": [_("A list of identification codes.")]})


@handlers.register("exchange.send_document",
                   description="Send the outgoing document (document_id) to its recipients through the exchange.")
def send_document(*, params, data, context):
    raw = params.get("document_id") or data.get("document_id")
    try:
        document = Document.objects.filter(pk=uuid.UUID(str(raw))).first()
    except ValueError:
        document = None
    if document is None:
        raise InvalidData(_("There is no document to send."), errors={"document_id": [_("Unknown document.")]})
    sent = sending.send(document, recipients=_recipients(params.get("recipients")),
                        actor=getattr(context, "actor", None))
    document.refresh_from_db(fields=["exchange_id"])
    return {"exchange_id": document.exchange_id,
            "deliveries": [{"organ_id": d.organ_id, "organ_name": d.organ_name,
                            "route": "local" if d.body else "packet", "status": d.status} for d in sent]}
