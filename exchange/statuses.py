"""Status packets (QCVN 102 §3), both ways.

Answering: a document that arrived through the exchange tells its sender how far it got. 01 goes
back on arrival; then the document office's ``status_changed`` (sent inside the step that changes a
document's handling status) maps registered → 03, assigned → 04, being handled → 05, done → 06 and
returned → 02 with the reason, and the answer is written in that same transaction: a status packet
in the outbox to the peer it came from, or, when the sender is a body of this system, straight into
the sender's delivery. A packet refused on arrival is answered 02 (16 for a change request). A
recall carried out here is answered 15, one that cannot be matched 16.

Receiving: a peer's status packet moves the delivery of the document it names to the organ that
reports it, sent through that same peer; 15 and 16 about a recalled document say whether its copy
there was taken back.
"""

from datetime import datetime

from django.conf import settings
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from directory.people import display_name
from documents.models import HandlingStatus
from documents.signals import status_changed
from engine import rows

from . import deliveries, outbox
from .edxml import (
    Organ,
    PacketError,
    RefusalTarget,
    ResponseFor,
    StaffInfo,
    StatusCode,
    StatusPacket,
    build_status_packet,
)
from .exceptions import StatusNotHandled, UnknownDocument
from .models import Arrival, Delivery, PacketKind, Peer

#: The document office's handling statuses a sender hears of, as status codes.
CODE_OF_HANDLING = {
    HandlingStatus.REGISTERED: StatusCode.ACCEPTED,
    HandlingStatus.ASSIGNED: StatusCode.ASSIGNED,
    HandlingStatus.IN_PROGRESS: StatusCode.PROCESSING,
    HandlingStatus.DONE: StatusCode.DONE,
    HandlingStatus.RETURNED: StatusCode.REFUSED,
}
#: What a status packet says when nobody gave a reason.
DESCRIPTIONS = {
    StatusCode.ARRIVED: _("The document has arrived."),
    StatusCode.REFUSED: _("The document was returned to the sender."),
    StatusCode.ACCEPTED: _("The clerk has registered the document."),
    StatusCode.ASSIGNED: _("A leader has assigned the document for handling."),
    StatusCode.PROCESSING: _("The document is being handled."),
    StatusCode.DONE: _("Handling of the document is finished."),
    StatusCode.CHANGE_REFUSED: _("The change request was refused."),
    StatusCode.CHANGE_ACCEPTED: _("The recall was carried out: the copy here was taken back."),
}


def _in_language(text) -> str:
    """Packets and histories are read by the other side's staff: in the deployment's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def answer(arrival: Arrival, code: StatusCode, *, description: str = "", actor=None,
           at: datetime | None = None) -> None:
    """Tell the sender of an arrived document how far it got, in the caller's transaction."""
    at = at or timezone.now()
    description = description or _in_language(DESCRIPTIONS.get(code, ""))
    staff = display_name(actor) if getattr(actor, "pk", None) else ""
    if arrival.delivery is not None:
        # between bodies here, 15 and 16 only ever answer a recall
        status = deliveries.status_of(code, recalled=True)
        deliveries.record(arrival.delivery, status, at=at, description=description,  # type: ignore[arg-type]
                          staff=staff, actor=actor)
        return
    packet = build_status_packet(
        reporter=Organ(arrival.organ_id, arrival.organ_name), response_for=arrival_response_for(arrival),
        status=code, description=description, timestamp=at,
        staff=StaffInfo(department=arrival.organ_name[:200], staff=staff) if staff else None)
    outbox.add(kind=PacketKind.STATUS, exchange_id=arrival.exchange_id, body=arrival.body, document=arrival.document,
               peer=arrival.peer, packet=packet, status_code=code.value)


def arrival_response_for(arrival: Arrival) -> ResponseFor:
    """The sender's document, as a status packet names it."""
    return ResponseFor(organ_id=arrival.sender_organ_id, code=arrival.code,
                       promulgation_date=arrival.promulgation_date, document_id=arrival.exchange_id)


@receiver(status_changed, dispatch_uid="exchange.answer_sender")
def on_status_changed(sender, *, document, status, reason: str = "", actor=None, at=None, **kwargs) -> None:
    """A document that arrived through the exchange changed its handling status: tell its sender."""
    code = CODE_OF_HANDLING.get(status)
    if code is None:
        return
    if not rows.run_compiled(_arrival_of, document=document.pk):  # most documents did not come this way
        return
    arrival = Arrival.objects.select_related("delivery", "peer", "document").filter(document_id=document.pk).first()
    if arrival is None:
        return
    answer(arrival, code, description=reason if code == StatusCode.REFUSED else "", actor=actor, at=at)


def _arrival_of(document):
    """Compiled once (``rows.run_compiled``): every status change of every document asks it."""
    return Arrival.objects.filter(document_id=document).values_list("pk")[:1]


def refuse(target: RefusalTarget, *, peer: Peer, reporters: dict[str, str], description: str,
           code: StatusCode = StatusCode.REFUSED) -> int:
    """Answer a packet that was not accepted: one status packet from each organ in ``reporters``
    (code → name), queued to ``peer``. Returns how many were queued; an organ id too long to be
    written is skipped (the sender keeps no delivery under it anyway)."""
    queued = 0
    for organ_id, organ_name in reporters.items():
        try:
            packet = build_status_packet(reporter=Organ(organ_id, organ_name), response_for=target.response_for,
                                         status=code, description=description[:2000])
        except PacketError:
            continue
        outbox.add(kind=PacketKind.STATUS, exchange_id=target.response_for.document_id, body="", peer=peer,
                   packet=packet, status_code=code.value)
        queued += 1
    return queued


def record(report: StatusPacket, *, peer: Peer) -> Delivery:
    """Put a peer's status report in the history of the delivery it is about."""
    organ_id, document_id = report.reporter.organ_id, report.response_for.document_id
    delivery = (Delivery.objects.select_related("document")
                .filter(document__exchange_id=document_id, organ_id=organ_id, peer=peer).first())
    recalled = delivery is not None and delivery.document.status == HandlingStatus.RECALLED
    status = deliveries.status_of(report.status, recalled=recalled)
    if status is None:
        raise StatusNotHandled(code=report.status.value)
    if delivery is None:
        raise UnknownDocument(organ_id=organ_id, document_id=document_id)
    staff = report.staff.staff if report.staff else ""
    deliveries.record(delivery, status, at=report.timestamp or timezone.now(), description=report.description,
                      staff=staff, actor=f"{peer.name}: {staff}" if staff else peer.name)
    return delivery
