"""The sender's register over the API: a document's deliveries with their history, for whoever may
see the document and nobody else; the outbox and its "retry now" for process administrators only."""

import uuid

import pytest
from django.contrib.auth.models import User

from engine.models import AuditEvent
from exchange import attempts, sending
from exchange.models import OutboxPacket

from .helpers import PROVINCE, STATE, make_peer, outgoing


@pytest.fixture
def sent(office, sealed):
    """A letter to the People's Committee (here) and to the province (a peer that is down)."""
    make_peer()
    letter = outgoing(sealed, recipients=((STATE, "UBND xã"), (PROVINCE, "Tỉnh ủy Hà Tĩnh")))
    deliveries = {d.organ_id: d for d in sending.send(letter, actor=User.objects.get(username="vanthu"))}
    attempts.deliver(deliveries[STATE].packet_id)
    return letter, deliveries


def test_the_sender_s_register_shows_each_recipient_s_history(client_of, sent):
    letter, _deliveries = sent
    answer = client_of("vanthu").get(f"/api/v1/documents/{letter.pk}/deliveries/")
    assert answer.status_code == 200
    shown = {row["organ_id"]: row for row in answer.json()}
    assert (shown[STATE]["route"], shown[STATE]["body"], shown[STATE]["status"]) == ("local", "ubnd_xa", "received")
    assert [event["status"] for event in shown[STATE]["history"]] == ["pending", "delivered", "received"]
    assert (shown[PROVINCE]["route"], shown[PROVINCE]["peer"], shown[PROVINCE]["status"]) == (
        "packet", "Tỉnh ủy", "pending")
    assert client_of("bithu").get(f"/api/v1/documents/{letter.pk}/deliveries/").status_code == 200  # supervises


def test_nobody_else_sees_a_document_s_deliveries(client_of, anonymous, sent):
    letter, _deliveries = sent
    denials = AuditEvent.objects.filter(stream="access", action="access_denied").count()
    for username in ("vanthuubnd", "chuyenvien", "tuphap"):  # the recipient's clerk sees her copy, not this
        assert client_of(username).get(f"/api/v1/documents/{letter.pk}/deliveries/").status_code == 404, username
    assert client_of("vanthu").get(f"/api/v1/documents/{uuid.uuid4()}/deliveries/").status_code == 404
    assert anonymous.get(f"/api/v1/documents/{letter.pk}/deliveries/").status_code == 401
    assert AuditEvent.objects.filter(stream="access", action="access_denied").count() == denials + 5


def test_process_administrators_see_the_outbox_and_retry_a_packet(client_of, sent):
    _letter, deliveries = sent
    admin = client_of("admin")
    listed = admin.get("/api/v1/exchange/outbox/").json()
    assert listed["count"] == 2 and {row["state"] for row in listed["results"]} == {"pending", "delivered"}
    pending = admin.get("/api/v1/exchange/outbox/?state=pending").json()["results"]
    assert [row["id"] for row in pending] == [str(deliveries[PROVINCE].packet_id)]
    assert "packet" not in pending[0]  # the bytes stay out of the list

    attempts.deliver(deliveries[PROVINCE].packet_id)  # the peer is down: waiting for its next attempt
    retried = admin.post(f"/api/v1/exchange/outbox/{deliveries[PROVINCE].packet_id}/retry/")
    assert retried.status_code == 200 and (retried.json()["state"], retried.json()["attempts"]) == ("pending", 0)
    assert admin.post(f"/api/v1/exchange/outbox/{uuid.uuid4()}/retry/").status_code == 404
    assert admin.post("/api/v1/exchange/outbox/not-an-id/retry/").status_code == 404


def test_people_who_keep_no_system_running_see_no_outbox(client_of, anonymous, sent):
    _letter, deliveries = sent
    packet = deliveries[PROVINCE].packet_id
    for username in ("vanthu", "bithu"):
        client = client_of(username)
        assert client.get("/api/v1/exchange/outbox/").status_code == 403
        assert client.post(f"/api/v1/exchange/outbox/{packet}/retry/").status_code == 403
    assert anonymous.get("/api/v1/exchange/outbox/").status_code == 401
    assert OutboxPacket.objects.get(pk=packet).attempts == 0
