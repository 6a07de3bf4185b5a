"""Filing a document that arrives, by packet or from another body of this system: an incoming
document of the receiving body (handling status "received", no number: the clerk registers it),
its files, the verification of its PDF, and the incoming procedure started on it in that body with
``document_id`` and ``verification_id``.

Once per DocumentId and receiving organ (``Arrival``'s unique key), inside the caller's
transaction: when the procedure cannot start, nothing is kept and the sender tries again later.
The document record carries the DocumentId (``exchange_id``, unique in the register) when it is
free: not when the sender is a body of this system (its outgoing record has it) nor for the second
of our bodies named in one packet; the arrival keeps it in every case.

A correction or a replacement handed to a body here is linked to that body's copy of the original
(``corrects`` / ``replaces``, as the sender's record links them). A document recalled before its
hand-over is not handed over (``NotHandedOver``).
"""

import logging
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from directory.models import Body
from documents import records
from documents.models import Direction, Document, DocumentLink, HandlingStatus, LinkKind
from engine import audit, services
from engine.exceptions import EngineError
from engine.models import ProcessInstance

from . import conf, contents, deliveries, organs, statuses
from .contents import TravellingFile
from .edxml import StatusCode
from .exceptions import NotHandedOver, ReceiverUnavailable
from .models import Arrival, Delivery, DeliveryStatus, InboxPacket, OutboxPacket, Peer
from .verification import verify_incoming

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Arriving:
    """A document on its way in, whatever its route."""

    exchange_id: str
    fields: dict
    sender_organ_id: str
    code: str
    promulgation_date: date | None


def file(arriving: Arriving, *, body: Body, files: list[TravellingFile], verification_id: int | None,
         keep_exchange_id: bool, peer: Peer | None = None, inbox: InboxPacket | None = None,
         delivery: Delivery | None = None) -> Arrival:
    """File one arriving document in ``body`` and start its procedure, in the caller's transaction."""
    document = Document(direction=Direction.INCOMING, body=body.code, status=HandlingStatus.RECEIVED,
                        exchange_id=arriving.exchange_id if keep_exchange_id else None, **arriving.fields)
    records.save(document)
    for travelling in files:
        records.attach(document, travelling.content, name=travelling.name, role=travelling.role,
                       content_type=travelling.content_type)
    arrival = Arrival.objects.create(
        document=document, body=body.code, organ_id=body.organ_id, organ_name=body.name,
        exchange_id=arriving.exchange_id, sender_organ_id=arriving.sender_organ_id, code=arriving.code[:50],
        promulgation_date=arriving.promulgation_date, peer=peer, inbox=inbox, delivery=delivery,
        verification_id=verification_id)
    arrival.instance = _start(document, body, verification_id)
    arrival.save(update_fields=["instance"])
    records.handled_by(document, arrival.instance)
    audit.append(f"document:{document.pk}", [audit.Entry(
        "exchange_arrived", actor=peer.name if peer else None,
        after={"exchange_id": arriving.exchange_id, "from": arriving.sender_organ_id, "to": body.organ_id,
               "route": "packet" if peer else "local", "instance": str(arrival.instance.pk),
               "verification_id": verification_id})])
    return arrival


def _start(document: Document, body: Body, verification_id: int | None) -> ProcessInstance:
    """The incoming procedure on the record; what it needs to show and register comes with it."""
    data = {"document_id": str(document.pk), "subject": document.subject, "code_number": document.code_number,
            "code_notation": document.code_notation, "organ_name": document.organ_name,
            "organ_id": document.organ_id, "urgency": document.urgency,
            "issued_date": document.issued_date.isoformat() if document.issued_date else "",
            "arrived_by_exchange": True}
    if verification_id is not None:
        data["verification_id"] = verification_id
    if document.page_amount:
        data["page_amount"] = document.page_amount
    try:
        return services.start(conf.get("INCOMING_PROCESS"), data=data, body=body.code)
    except EngineError as err:
        logger.warning("the incoming procedure could not start for %s in %s: %s", document.pk, body.code, err)
        raise ReceiverUnavailable() from err


def verified(files: list[TravellingFile]) -> int | None:
    """The verification report of the document's PDF (outside any transaction), or None without one."""
    main = next((file for file in files if file.is_pdf), None)
    return verify_incoming(main.content, name=main.name).pk if main is not None else None


def arrive_locally(row: OutboxPacket) -> Arrival:
    """Hand an outgoing document to the body of this system its ``LOCAL`` outbox row is for; a
    repeated hand-over finds the arrival made the first time."""
    delivery = Delivery.objects.select_related("document").get(packet=row)
    existing = Arrival.objects.filter(delivery=delivery).first()
    if existing is not None:
        return existing
    source, body = delivery.document, Body.objects.get(code=delivery.body)
    sender = organs.organ_of(source.body)
    files = contents.files_of(source)
    verification_id = verified(files)
    arriving = Arriving(
        exchange_id=row.exchange_id,
        fields=contents.fields_from_document(source, organ_id=sender.organ_id, organ_name=sender.organ_name),
        sender_organ_id=sender.organ_id, code="/".join(p for p in (source.code_number, source.code_notation) if p),
        promulgation_date=source.issued_date)
    with transaction.atomic():
        Delivery.objects.select_for_update().get(pk=delivery.pk)
        existing = Arrival.objects.filter(delivery=delivery).first()
        if existing is not None:
            return existing
        if Document.objects.filter(pk=source.pk, status=HandlingStatus.RECALLED).exists():
            raise NotHandedOver()
        arrival = file(arriving, body=body, files=files, verification_id=verification_id, keep_exchange_id=False,
                       delivery=delivery)
        _link_to_originals(source, arrival, delivery)
        now = timezone.now()
        deliveries.record(delivery, DeliveryStatus.DELIVERED, at=now)
        arrival.delivery = delivery
        statuses.answer(arrival, StatusCode.ARRIVED, at=now)
    return arrival


def _link_to_originals(source: Document, arrival: Arrival, delivery: Delivery) -> None:
    """The copy of a correction or replacement, linked to this body's copy of the original."""
    for link in DocumentLink.objects.filter(source=source, kind__in=(LinkKind.CORRECTS, LinkKind.REPLACES)):
        earlier = (Arrival.objects.select_related("document")
                   .filter(delivery__document_id=link.target_id, delivery__organ_id=delivery.organ_id).first())
        if earlier is not None:
            records.link(arrival.document, earlier.document, kind=link.kind)
