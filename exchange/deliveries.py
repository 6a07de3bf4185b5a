"""What the sender's register shows of an outgoing document: for each recipient, its history and
its current status.

Status packets may come late, twice or out of order (a 01 posted back before the transport learned
that the packet arrived), so the history keeps every report once (by status and time) and the
current status only moves forward: pending, failed, delivered, then the recipient's 01, 03, 04, 05,
06. A refusal (02) ends it, whatever came before. After a recall the copy's fate ends it: recall
sent (a peer), then refused (16) or recalled (15, or at once for a body here). Packets give their
time to the second; events of the same second are shown in that order too (``history``).
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from engine import audit

from . import notices
from .edxml import StatusCode
from .models import Delivery, DeliveryEvent, DeliveryStatus

RANK = {status: rank for rank, status in enumerate((
    DeliveryStatus.PENDING, DeliveryStatus.FAILED, DeliveryStatus.DELIVERED, DeliveryStatus.RECEIVED,
    DeliveryStatus.ACCEPTED, DeliveryStatus.ASSIGNED, DeliveryStatus.PROCESSING, DeliveryStatus.DONE,
    DeliveryStatus.REFUSED, DeliveryStatus.RECALLING, DeliveryStatus.RECALL_REFUSED, DeliveryStatus.RECALLED))}
#: The recipient's status codes (QCVN 102 §3) that a delivery records.
STATUS_OF_CODE = {
    StatusCode.ARRIVED: DeliveryStatus.RECEIVED,
    StatusCode.REFUSED: DeliveryStatus.REFUSED,
    StatusCode.ACCEPTED: DeliveryStatus.ACCEPTED,
    StatusCode.ASSIGNED: DeliveryStatus.ASSIGNED,
    StatusCode.PROCESSING: DeliveryStatus.PROCESSING,
    StatusCode.DONE: DeliveryStatus.DONE,
}
#: The answers to a recall (15 and 16): about a recalled document, what became of the copy.
STATUS_OF_RECALL = {
    StatusCode.CHANGE_ACCEPTED: DeliveryStatus.RECALLED,
    StatusCode.CHANGE_REFUSED: DeliveryStatus.RECALL_REFUSED,
}
#: … and about one that is not recalled (an update or a replacement it was sent as): taken, or refused.
STATUS_OF_CHANGE = {
    StatusCode.CHANGE_ACCEPTED: DeliveryStatus.RECEIVED,
    StatusCode.CHANGE_REFUSED: DeliveryStatus.REFUSED,
}
#: Why a delivery's current status is what it is, kept in ``reason``.
_WITH_REASON = (DeliveryStatus.REFUSED, DeliveryStatus.FAILED, DeliveryStatus.RECALL_REFUSED)
REFUSED_NOTICE = gettext_lazy("%(recipient)s refused the document %(number)s: %(reason)s")
RECALL_REFUSED_NOTICE = gettext_lazy("%(recipient)s refused to recall the document %(number)s: %(reason)s")
NO_REASON = gettext_lazy("no reason given")


def status_of(code: StatusCode, *, recalled: bool) -> str | None:
    """The delivery status a recipient's status code stands for (None: not one recorded here)."""
    if code in STATUS_OF_CODE:
        return STATUS_OF_CODE[code]
    return (STATUS_OF_RECALL if recalled else STATUS_OF_CHANGE).get(code)


def history(delivery: Delivery) -> list[DeliveryEvent]:
    """The delivery's events in the order they happened: by the second (packets give no finer time),
    then in the order of the steps."""
    return sorted(delivery.events.all(), key=lambda event: (
        event.at.replace(microsecond=0), RANK[DeliveryStatus(event.status)], event.at, event.pk))


def record(delivery: Delivery, status: str, *, at: datetime | None = None, description: str = "", staff: str = "",
           actor=None) -> bool:
    """Put ``status`` in the delivery's history, once per status and time, and move its current
    status forward; returns whether it was new. Runs in the caller's transaction (or its own)."""
    at = at or timezone.now()
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update(of=("self",)).select_related("document").get(pk=delivery.pk)
        _event, created = DeliveryEvent.objects.get_or_create(
            delivery=delivery, status=status, at=at,
            defaults={"description": description[:4000], "staff": staff[:200]})
        if not created:
            return False
        before = delivery.status
        if RANK[DeliveryStatus(status)] > RANK[DeliveryStatus(before)]:
            delivery.status = status
            delivery.reason = description[:4000] if status in _WITH_REASON else ""
            delivery.save(update_fields=["status", "reason", "updated_at"])
        document = delivery.document
        audit.append(f"document:{document.pk}", [audit.Entry(
            "delivery_status", actor=actor or staff or None,
            before={"organ_id": delivery.organ_id, "status": before},
            after={"organ_id": delivery.organ_id, "status": status, "description": description[:500],
                   "at": at.isoformat()})])
        if status in (DeliveryStatus.REFUSED, DeliveryStatus.RECALL_REFUSED):
            number = "/".join(part for part in (document.code_number, document.code_notation) if part)
            refused = status == DeliveryStatus.REFUSED
            notices.tell_clerks(document.body, kind="document_refused" if refused else "recall_refused",
                                message=REFUSED_NOTICE if refused else RECALL_REFUSED_NOTICE, values={
                                    "recipient": delivery.organ_name or delivery.organ_id, "number": number,
                                    "reason": description or NO_REASON})
    return True
