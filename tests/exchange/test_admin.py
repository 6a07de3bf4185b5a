"""Peers are managed in the Django admin by superusers only: a new peer's key is shown once and only
its hash kept; the outbox and inbox are there to look into, and a failed packet is retried there."""

import re

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from exchange import peers
from exchange.models import OutboxPacket, Peer

from .helpers import PROVINCE

NGHE_AN = "000.00.00.H41"


@pytest.fixture
def superuser_client(office, client):
    client.force_login(User.objects.get(username="admin"))
    return client


def test_a_superuser_adds_a_peer_and_sees_its_key_once(superuser_client):
    answer = superuser_client.post(reverse("admin:exchange_peer_add"), {
        "name": "Trục LGSP tỉnh", "url": "https://lgsp.example.vn/api/v1/exchange/packets/",
        "organ_codes": f"{NGHE_AN}\n{PROVINCE}\n{PROVINCE}", "outbound_credential": "env:LGSP_KEY",
        "active": "on"}, follow=True)
    assert answer.status_code == 200
    peer = Peer.objects.get(name="Trục LGSP tỉnh")
    assert peer.organ_ids == [NGHE_AN, PROVINCE] and peer.outbound_credential == "env:LGSP_KEY"
    shown = [str(message) for message in answer.context["messages"]]
    [key] = [match.group(1) for text in shown if (match := re.search(r"<code>([^<]+)</code>", text))]
    assert peers.authenticate(key) == peer and key not in (peer.inbound_digest, peer.inbound_prefix)
    assert superuser_client.get(reverse("admin:exchange_peer_change", args=[peer.pk])).content.count(
        key.encode()) == 0


def test_only_superusers_reach_the_exchange_admin(office, client):
    clerk = User.objects.get(username="vanthu")
    clerk.is_staff = True
    clerk.save(update_fields=["is_staff"])
    clerk.user_permissions.add(*Permission.objects.filter(content_type__app_label="exchange"))
    client.force_login(clerk)
    for name in ("peer", "outboxpacket", "inboxpacket"):
        assert client.get(reverse(f"admin:exchange_{name}_changelist")).status_code == 403, name


def test_a_failed_packet_is_retried_from_the_admin(superuser_client):
    peer = Peer.objects.create(name="Tỉnh ủy", url="http://127.0.0.1:9/", organ_ids=[PROVINCE])
    row = OutboxPacket.objects.create(kind="status", peer=peer, exchange_id="x,2026/01/01,1/CV", status_code="01",
                                      packet=b"<edXML/>", state="failed", attempts=12,
                                      next_attempt_at="2026-01-01T00:00:00Z", last_error="không trả lời")
    assert superuser_client.get(reverse("admin:exchange_outboxpacket_changelist")).status_code == 200
    answer = superuser_client.post(reverse("admin:exchange_outboxpacket_changelist"),
                                   {"action": "retry", "_selected_action": [str(row.pk)]}, follow=True)
    assert answer.status_code == 200
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("pending", 0)
