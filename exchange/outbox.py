"""The outbox: packets written with the change that causes them, delivered after commit, retried.

``add`` writes the row inside the caller's transaction (a document sent, registered, returned) and
queues a Celery wake-up for after commit, so a packet exists exactly when its cause does. The row
is the truth, the broker only carries wake-ups (as for the engine's jobs): an attempt
(``exchange.attempts``) ``claim``s the row with a conditional UPDATE and a lease, so two wake-ups
never post it at once and a killed worker's packet is taken up again when its lease ends
(``sweep``, every 30 s from Celery beat), and ``settle``s it with the answer.

A packet the peer did not take is tried again after a delay that doubles each time, with jitter so
that packets that failed together do not all come back together, up to ``MAX_ATTEMPTS``; then, or
at once when the peer refused it (4xx), it is left ``failed`` with the reason, on the document's
audit trail, and the body's clerks are told. "Retry now" (an administrator) starts it again.
"""

import logging
import random
from datetime import timedelta

from celery import current_app
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from engine import audit

from . import conf, deliveries, notices, transport
from .models import DeliveryStatus, OutboxPacket, OutboxState, PacketKind

logger = logging.getLogger(__name__)
DELIVER_TASK = "exchange.deliver_packet"
FAILED_NOTICE = gettext_lazy("The exchange gave up sending the document %(document)s to %(peer)s after %(attempts)s "
                             "attempts: %(error)s")
FAILED_STATUS_NOTICE = gettext_lazy("The exchange gave up sending the status %(code)s about the document %(document)s "
                                    "to %(peer)s after %(attempts)s attempts: %(error)s")
FAILED_RECALL_NOTICE = gettext_lazy("The exchange gave up sending the recall of the document %(document)s to %(peer)s "
                                    "after %(attempts)s attempts: %(error)s")


def add(*, kind: str, exchange_id: str, body: str, document=None, peer=None, packet: bytes | None = None,
        status_code: str = "") -> OutboxPacket:
    """A packet to send, in the caller's transaction; its first attempt is queued for after commit."""
    row = OutboxPacket.objects.create(kind=kind, exchange_id=exchange_id[:200], body=body, document=document,
                                      peer=peer, packet=packet, status_code=status_code,
                                      max_attempts=conf.get("MAX_ATTEMPTS"), next_attempt_at=timezone.now())
    transaction.on_commit(lambda: enqueue(row.pk))
    return row


def enqueue(packet_id, *, countdown: float | None = None) -> None:
    """Wake a worker for this packet. Losing the message only delays it until the next sweep."""
    try:
        current_app.send_task(DELIVER_TASK, args=[str(packet_id)], countdown=countdown)
    except Exception:  # the broker is down: the sweep will find the packet
        logger.warning("could not queue outbox packet %s; the sweep will pick it up", packet_id, exc_info=True)


def backoff(attempt: int) -> float:
    """Seconds before attempt ``attempt + 1``: the base doubled per attempt, capped, between half
    and all of it ("equal jitter")."""
    delay = min(conf.get("RETRY_MAX_SECONDS"), conf.get("RETRY_BASE_SECONDS") * 2 ** max(attempt - 1, 0))
    return delay / 2 + random.uniform(0, delay / 2)  # spreading retries, not secrecy


def claim(packet_id) -> OutboxPacket | None:
    """Take the packet for this worker, or None when it is not due or someone else holds it."""
    now = timezone.now()
    lease = timedelta(seconds=conf.get("LEASE_SECONDS"))
    claimable = (Q(state=OutboxState.PENDING, next_attempt_at__lte=now)
                 | Q(state=OutboxState.SENDING, locked_until__lt=now))
    taken = OutboxPacket.objects.filter(claimable, pk=packet_id).update(
        state=OutboxState.SENDING, locked_until=now + lease, attempts=F("attempts") + 1)
    return OutboxPacket.objects.select_related("peer").get(pk=packet_id) if taken else None


def settle(row: OutboxPacket, answer: transport.Answer, *, started=None) -> str:
    """Record what one attempt came to: delivered, tried again later, or failed for good. A packet
    is delivered when the attempt that delivered it ``started``: the peer may have filed it, and
    said so in a status packet, before we heard back."""
    now = timezone.now()
    with transaction.atomic():
        current = OutboxPacket.objects.select_for_update().get(pk=row.pk)
        if current.state != OutboxState.SENDING:  # settled by a faster twin, or retried by hand meanwhile
            return "already settled"
        current.answer_status, current.locked_until = answer.status, None
        if answer.delivered:
            current.state, current.delivered_at, current.last_error = OutboxState.DELIVERED, now, ""
            current.save(update_fields=["state", "delivered_at", "last_error", "answer_status", "locked_until"])
            if current.kind == PacketKind.DOCUMENT:
                for delivery in current.deliveries.all():
                    deliveries.record(delivery, DeliveryStatus.DELIVERED, at=started or now)
            return "delivered"
        current.last_error = answer.detail[:4000]
        if not answer.final and current.attempts < current.max_attempts:
            delay = backoff(current.attempts)
            current.state, current.next_attempt_at = OutboxState.PENDING, now + timedelta(seconds=delay)
            current.save(update_fields=["state", "next_attempt_at", "last_error", "answer_status", "locked_until"])
            transaction.on_commit(lambda: enqueue(current.pk, countdown=delay))
            return "retry"
        current.state = OutboxState.FAILED
        current.save(update_fields=["state", "last_error", "answer_status", "locked_until"])
        _report_failure(current)
    return "failed"


def _report_failure(row: OutboxPacket) -> None:
    """In the deliveries it carried, on the document's trail, and to the clerks of its body.

    The deliveries first: ``deliveries.record`` locks a delivery, then the document's audit stream,
    as a status packet arriving meanwhile does (the peer's 02 refusing this very packet). Appending
    to the stream first took the two locks in the other order: a deadlock, the failure rolled back
    and the packet left "sending" (seen in tests/exchange/test_two_deployments.py)."""
    for delivery in row.deliveries.all():
        deliveries.record(delivery, DeliveryStatus.FAILED, description=row.last_error)
    if row.document is not None:
        audit.append(f"document:{row.document.pk}", [audit.Entry("exchange_failed", after={
            "packet": str(row.pk), "kind": row.kind, "status_code": row.status_code,
            "peer": row.peer.name if row.peer else "", "attempts": row.attempts, "error": row.last_error[:500]})])
    message = {PacketKind.STATUS.value: FAILED_STATUS_NOTICE, PacketKind.REVOKE.value: FAILED_RECALL_NOTICE}
    notices.tell_clerks(row.body, kind="exchange_failed", message=message.get(row.kind, FAILED_NOTICE), values={
        "code": row.status_code, "document": row.exchange_id, "attempts": row.attempts,
        "error": row.last_error[:200], "peer": row.peer.name if row.peer else row.body})


def sweep(limit: int = 500) -> int:
    """Queue again what is due but may have no message in flight: pending and overdue by a margin,
    or held by a worker whose lease ran out. Safe to run anywhere, any time."""
    now = timezone.now()
    margin = timedelta(seconds=min(conf.get("RETRY_BASE_SECONDS"), 30))
    due = (OutboxPacket.objects.filter(Q(state=OutboxState.PENDING, next_attempt_at__lte=now - margin)
                                       | Q(state=OutboxState.SENDING, locked_until__lt=now))
           .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    count = 0
    for packet_id in due:
        enqueue(packet_id)
        count += 1
    return count


def retry_now(row: OutboxPacket, *, actor) -> OutboxPacket:
    """Start a failed (or waiting) packet again at once, with its attempts counted from zero."""
    with transaction.atomic():
        current = OutboxPacket.objects.select_for_update().get(pk=row.pk)
        if current.state in (OutboxState.FAILED, OutboxState.PENDING):
            before = {"state": current.state, "attempts": current.attempts}
            current.state, current.attempts, current.next_attempt_at = OutboxState.PENDING, 0, timezone.now()
            current.save(update_fields=["state", "attempts", "next_attempt_at"])
            stream = f"document:{current.document.pk}" if current.document is not None else "exchange"
            audit.append(stream, [audit.Entry("exchange_retried", actor=actor, before=before, after={
                "packet": str(current.pk), "state": current.state})])
            transaction.on_commit(lambda: enqueue(current.pk))
    return current
