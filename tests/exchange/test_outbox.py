"""The outbox: a packet is posted to its peer until it is taken, with a delay that doubles (with
jitter) between attempts; a peer that refuses it, or the last attempt, leaves it failed with the
reason, on record, the clerks told; an administrator starts it again. Against real HTTP servers."""

import socket
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext

from documents.models import Document
from engine.models import AuditEvent, Notification
from exchange import attempts, outbox, sending
from exchange.models import Delivery, OutboxPacket, OutboxState
from exchange.transport import content_digest

from .helpers import PROVINCE, make_peer, outgoing


def closed_port_url() -> str:
    """A port nobody listens on: a peer that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/v1/exchange/packets/"


@pytest.fixture
def to_province(office, sealed):
    """A letter of the Party Committee to the province, through the peer that serves it."""
    peer, _key = make_peer(url=closed_port_url())
    letter = outgoing(sealed, recipients=((PROVINCE, "Tỉnh ủy Hà Tĩnh"),))
    [delivery] = sending.send(letter, actor=User.objects.get(username="vanthu"))
    return peer, delivery


def due_now(row: OutboxPacket) -> None:
    OutboxPacket.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())


def test_the_delay_doubles_with_jitter_up_to_its_cap(settings):
    settings.EXCHANGE = {"RETRY_BASE_SECONDS": 10, "RETRY_MAX_SECONDS": 100}
    for attempt, full in ((1, 10), (2, 20), (3, 40), (4, 80), (5, 100), (9, 100)):
        delays = [outbox.backoff(attempt) for _ in range(200)]
        assert all(full / 2 <= delay <= full for delay in delays), (attempt, min(delays), max(delays))
        assert max(delays) - min(delays) > full / 4  # spread, not one value


def test_a_peer_that_is_down_is_retried_then_left_failed_with_the_reason(to_province, settings):
    settings.EXCHANGE = {"MAX_ATTEMPTS": 3, "RETRY_BASE_SECONDS": 60}
    peer, delivery = to_province
    row = delivery.packet
    OutboxPacket.objects.filter(pk=row.pk).update(max_attempts=3)

    before = timezone.now()
    assert attempts.deliver(row.pk) == "retry"
    row.refresh_from_db()
    assert (row.state, row.attempts, row.answer_status) == ("pending", 1, None)
    assert before + timedelta(seconds=30) <= row.next_attempt_at <= timezone.now() + timedelta(seconds=60)
    assert "Tỉnh ủy" in row.last_error
    assert attempts.deliver(row.pk) == "not claimed"  # not due yet

    due_now(row)
    assert attempts.deliver(row.pk) == "retry"
    row.refresh_from_db()
    assert row.next_attempt_at >= timezone.now() + timedelta(seconds=55)  # the second delay: 60 to 120 s
    due_now(row)
    assert attempts.deliver(row.pk) == "failed"

    row.refresh_from_db()
    delivery.refresh_from_db()
    assert (row.state, row.attempts) == ("failed", 3)
    assert (delivery.status, delivery.reason) == ("failed", row.last_error)
    failed = AuditEvent.objects.get(stream=f"document:{delivery.document_id}", action="exchange_failed")
    assert failed.after["attempts"] == 3 and failed.after["peer"] == "Tỉnh ủy"
    [notice] = Notification.objects.filter(kind="exchange_failed")
    assert notice.user.username == "vanthu" and delivery.document.exchange_id in notice.message


def test_retry_now_delivers_once_the_peer_is_up(to_province, peer_server, settings):
    settings.EXCHANGE = {"MAX_ATTEMPTS": 1}
    peer, delivery = to_province
    row = delivery.packet
    OutboxPacket.objects.filter(pk=row.pk).update(max_attempts=1)
    assert attempts.deliver(row.pk) == "failed"

    server = peer_server((201, {"outcome": "accepted"}))
    peer.url = server.url
    peer.save(update_fields=["url"])
    admin = User.objects.get(username="admin")
    outbox.retry_now(row, actor=admin)
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("pending", 0)
    assert attempts.deliver(row.pk) == "delivered"

    row.refresh_from_db()
    delivery.refresh_from_db()
    assert (row.state, row.answer_status, row.last_error) == ("delivered", 201, "")
    assert delivery.status == "delivered" and delivery.reason == ""
    assert list(delivery.events.values_list("status", flat=True)) == ["pending", "failed", "delivered"]
    assert AuditEvent.objects.filter(stream=f"document:{delivery.document_id}", action="exchange_retried",
                                     actor=admin).count() == 1
    [request] = server.received
    assert request.headers["Content-Digest"] == content_digest(bytes(row.packet))


def test_a_refusal_is_final_a_server_error_is_retried(to_province, peer_server):
    peer, delivery = to_province
    server = peer_server((503, {"detail": "Bảo trì"}), (400, {"detail": "Gói tin bị từ chối.",
                                                                "errors": {"MessageHeader/Subject": ["Bắt buộc."]}}))
    peer.url = server.url
    peer.save(update_fields=["url"])
    row = delivery.packet

    assert attempts.deliver(row.pk) == "retry"
    row.refresh_from_db()
    assert row.answer_status == 503 and "Bảo trì" in row.last_error
    due_now(row)
    assert attempts.deliver(row.pk) == "failed"
    row.refresh_from_db()
    assert (row.state, row.attempts, row.answer_status) == ("failed", 2, 400)
    assert "MessageHeader/Subject: Bắt buộc." in row.last_error
    assert len(server.received) == 2


def test_one_worker_holds_a_packet_at_a_time_and_a_dead_one_s_lease_runs_out(to_province, settings):
    _peer, delivery = to_province
    row = delivery.packet
    assert outbox.claim(row.pk) is not None
    assert outbox.claim(row.pk) is None  # a second wake-up while the first worker posts
    assert outbox.sweep() == 0  # held, lease alive, not due
    OutboxPacket.objects.filter(pk=row.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert outbox.sweep() == 1
    taken = outbox.claim(row.pk)
    assert taken is not None and taken.attempts == 2 and taken.state == OutboxState.SENDING


def test_what_is_overdue_is_swept_what_is_delivered_is_not(to_province, peer_server):
    peer, delivery = to_province
    OutboxPacket.objects.filter(pk=delivery.packet_id).update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    assert outbox.sweep() == 1
    server = peer_server((200, {"outcome": "duplicate"}))
    peer.url = server.url
    peer.save(update_fields=["url"])
    assert attempts.deliver(delivery.packet_id) == "delivered"
    assert outbox.sweep() == 0
    assert Delivery.objects.get(pk=delivery.pk).status == "delivered"


def test_a_switched_off_peer_fails_the_packet(to_province):
    peer, delivery = to_province
    peer.active = False
    peer.save(update_fields=["active"])
    assert attempts.deliver(delivery.packet_id) == "failed"
    assert OutboxPacket.objects.get(pk=delivery.packet_id).last_error == gettext("The peer is missing or switched off.")
    assert Delivery.objects.get(pk=delivery.pk).status == "failed"


def test_a_document_marked_confidential_after_it_was_queued_is_not_sent(to_province, peer_server):
    peer, delivery = to_province
    server = peer_server((201, {"outcome": "accepted"}))
    peer.url = server.url
    peer.save(update_fields=["url"])
    Document.objects.filter(pk=delivery.document_id).update(confidentiality="mat")
    assert attempts.deliver(delivery.packet_id) == "failed"
    delivery.refresh_from_db()
    reason = gettext("The document was marked confidential after it was queued: it is not sent through the exchange.")
    assert (delivery.status, delivery.reason) == ("failed", reason)
    assert server.received == []
