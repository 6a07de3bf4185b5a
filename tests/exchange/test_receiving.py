"""The receiving endpoint (POST /api/v1/exchange/packets/): a peer's packet is read by element name,
checked, and either filed once in each body of ours it names, with its procedure, its verified PDF
and "01 arrived" queued back; or refused with the problem AND a "02 refused" status packet queued
back, nothing registered. Status packets then tell the sender how far its document got here."""

import base64
import hashlib
import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from documents import records
from documents.models import Direction, Document, HandlingStatus, NumberEntry
from engine.models import AuditEvent, ProcessInstance
from exchange import attempts, deliveries, receiving, sending
from exchange.edxml import (
    VIETNAM_TIME,
    Attachment,
    Business,
    BusinessType,
    DocumentKind,
    Organ,
    PacketDocument,
    ResponseFor,
    StaffInfo,
    build_document_packet,
    build_status_packet,
)
from exchange.models import Arrival, InboxPacket, OutboxPacket
from exchange.transport import content_digest
from signing.models import VerificationReport

from .helpers import PARTY, PROVINCE, STATE, check_status_packet, make_peer, outgoing

URL = "/api/v1/exchange/packets/"


def province_packet(pdf: bytes, *, number: str = "102", to=(PARTY,), subject: str = "V/v tổng kết công tác năm",
                    business: Business | None = None, files=None) -> bytes:
    """A document of the provincial Party Committee, as its system would send it."""
    document = PacketDocument(code_number=number, code_notation="CV/TU", issued_date=timezone.localdate(),
                              subject=subject, place="Hà Tĩnh", signer_competence="T/L BAN THƯỜNG VỤ",
                              signer_position="CHÁNH VĂN PHÒNG", signer_name="Lê Văn Sơn",
                              document_type=DocumentKind(2, 0, "Công văn"), page_amount=2)
    return build_document_packet(
        document, sender=Organ(PROVINCE, "Tỉnh ủy Hà Tĩnh"), recipients=[Organ(code, "") for code in to],
        attachments=files if files is not None else [Attachment("102-CV-TU.pdf", "application/pdf", pdf,
                                                                "Văn bản chính")],
        business=business)


def post(raw: bytes, key: str, **headers):
    client = APIClient()
    return client.post(URL, data=raw, content_type="application/xml", HTTP_AUTHORIZATION=f"Bearer {key}", **headers)


@pytest.fixture
def province(office):
    return make_peer()


def statuses_queued(peer=None) -> list[dict]:
    rows = OutboxPacket.objects.filter(kind="status").order_by("created_at")
    return [check_status_packet(bytes(row.packet)) for row in (rows.filter(peer=peer) if peer else rows)]


def test_a_document_packet_is_filed_in_the_body_it_is_addressed_to(province, sealed):
    peer, key = province
    raw = province_packet(sealed)

    answer = post(raw, key, HTTP_CONTENT_DIGEST=content_digest(raw))

    assert answer.status_code == 201, answer.content
    body = answer.json()
    document_id = f"{PROVINCE},{timezone.localdate():%Y/%m/%d},102/CV/TU"
    assert (body["outcome"], body["kind"], body["document_id"]) == ("accepted", "document", document_id)
    [filed] = body["documents"]
    document = Document.objects.get(pk=filed["id"])
    assert (filed["body"], document.body, document.direction, document.status) == (
        "dang_uy_xa", "dang_uy_xa", Direction.INCOMING, HandlingStatus.RECEIVED)
    assert (document.exchange_id, document.organ_id, document.organ_name, document.code_notation) == (
        document_id, PROVINCE, "Tỉnh ủy Hà Tĩnh", "CV/TU")
    assert (document.document_type.name, document.page_amount, document.arrival_number) == ("Công văn", 2, None)
    assert document.files.get().name == "102-CV-TU.pdf"
    arrival = Arrival.objects.get(document=document)
    assert (arrival.peer, arrival.organ_id, arrival.code) == (peer, PARTY, "102/CV/TU")
    instance = ProcessInstance.objects.get(pk=arrival.instance_id)
    assert (instance.definition.key, instance.body, instance.subject) == ("incoming_document", "dang_uy_xa",
                                                                         "V/v tổng kết công tác năm")
    assert VerificationReport.objects.get(pk=arrival.verification_id).verdict == "valid"
    assert InboxPacket.objects.get().outcome == "accepted"
    [arrived] = statuses_queued(peer)
    assert (arrived["code"], arrived["from"], arrived["document_id"]) == ("01", PARTY, document_id)
    assert AuditEvent.objects.filter(stream=f"document:{document.pk}", action="exchange_arrived").count() == 1


def test_a_packet_delivered_again_files_nothing_twice(province, sealed):
    _peer, key = province
    raw = province_packet(sealed)
    first = post(raw, key)
    again = post(raw, key)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["outcome"] == "duplicate" and again.json()["documents"] == first.json()["documents"]
    assert Document.objects.filter(direction=Direction.INCOMING).count() == 1
    assert ProcessInstance.objects.filter(definition__key="incoming_document").count() == 1
    assert len(statuses_queued()) == 1 and InboxPacket.objects.count() == 1


def test_a_packet_to_two_of_our_bodies_is_filed_in_each(province, sealed):
    _peer, key = province
    answer = post(province_packet(sealed, to=(PARTY, STATE, "000.00.00.H42")), key)
    assert answer.status_code == 201
    assert sorted(d["body"] for d in answer.json()["documents"]) == ["dang_uy_xa", "ubnd_xa"]
    assert sorted(s["from"] for s in statuses_queued()) == [PARTY, STATE]
    assert Document.objects.filter(exchange_id__isnull=False).count() == 1  # the register's key, once


def refused(answer, path: str):
    assert answer.status_code == 400, answer.content
    problem = answer.json()
    assert answer["Content-Type"] == "application/problem+json" and path in problem["errors"], problem
    return problem


def test_a_malformed_packet_is_refused_with_a_status_packet_and_nothing_registered(province, sealed):
    peer, key = province
    raw = province_packet(sealed).replace(b"<edXML:Subject>V/v t", b"<edXML:Subjekt>V/v t").replace(
        b"</edXML:Subject>", b"</edXML:Subjekt>")

    problem = refused(post(raw, key), "MessageHeader/Subject")

    assert not Document.objects.exists() and not ProcessInstance.objects.filter(
        definition__key="incoming_document").exists()
    [answer] = statuses_queued(peer)
    assert (answer["code"], answer["from"]) == ("02", PARTY)
    assert "MessageHeader/Subject" in answer["description"]
    kept = InboxPacket.objects.get()
    assert (kept.outcome, bytes(kept.packet)) == ("refused", raw) and "MessageHeader/Subject" in kept.errors
    assert problem["type"].endswith("/invalid_packet")
    assert AuditEvent.objects.filter(stream="exchange", action="packet_refused").count() == 1


def test_a_packet_for_nobody_here_is_refused_by_the_organ_it_named(province, sealed):
    peer, key = province
    refused(post(province_packet(sealed, to=("000.00.00.H42",)), key), "MessageHeader/To")
    [answer] = statuses_queued(peer)
    assert (answer["code"], answer["from"]) == ("02", "000.00.00.H42")
    assert not Document.objects.exists()


def test_a_packet_without_the_pdf_is_refused(province):
    _peer, key = province
    files = [Attachment("102-CV-TU.docx", "application/msword", b"PK\x03\x04 not a pdf")]
    refused(post(province_packet(b"", files=files), key), "edXMLManifest")
    assert statuses_queued()[0]["code"] == "02" and not Document.objects.exists()


def test_a_packet_damaged_on_the_way_is_refused(province, sealed):
    _peer, key = province
    raw = province_packet(sealed)
    refused(post(raw, key, HTTP_CONTENT_DIGEST=content_digest(raw + b" ")), "Content-Digest")
    assert not Document.objects.exists() and statuses_queued()[0]["code"] == "02"


def test_xml_that_does_not_read_is_refused_without_an_answer_it_could_not_address(province):
    _peer, key = province
    refused(post(b"<edXML><unclosed></edXML>", key), "edXML")
    assert statuses_queued() == [] and InboxPacket.objects.get().outcome == "refused"


def test_a_change_request_about_a_document_never_received_here_is_refused_with_16(province, sealed):
    _peer, key = province
    revoke = Business(doc_type=BusinessType.REVOKE, reason="Thu hồi do sai sót")
    answer = post(province_packet(sealed, business=revoke), key)
    assert answer.status_code == 422 and answer.json()["type"].endswith("/change_not_matched")
    assert [s["code"] for s in statuses_queued()] == ["16"] and not Document.objects.exists()
    # (tests/exchange/test_revoke.py: the revocations, updates and replacements that match a copy here)


def test_only_a_known_active_peer_posts(province, sealed):
    peer, key = province
    raw = province_packet(sealed)
    denials = AuditEvent.objects.filter(stream="access", action="access_denied").count()
    assert APIClient().post(URL, data=raw, content_type="application/xml").status_code == 401
    assert post(raw, "not-the-key-of-anyone-at-all").status_code == 401
    admin_token = APIClient().post("/api/v1/auth/token/", {"username": "admin", "password": "quytrinh-demo"},
                                   format="json").json()["token"]
    assert APIClient().post(URL, data=raw, content_type="application/xml",
                            HTTP_AUTHORIZATION=f"Token {admin_token}").status_code == 401  # people do not post
    peer.active = False
    peer.save(update_fields=["active"])
    assert post(raw, key).status_code == 401
    assert AuditEvent.objects.filter(stream="access", action="access_denied").count() == denials + 4
    assert not Document.objects.exists() and not InboxPacket.objects.exists()


def test_a_packet_over_the_limit_is_refused_unread(province, settings, sealed):
    settings.EXCHANGE = {"MAX_PACKET_BYTES": 1000}
    _peer, key = province
    assert post(province_packet(sealed), key).status_code == 413
    assert not InboxPacket.objects.exists()


# --- Status packets, both ways -------------------------------------------------------------------------


def test_the_handling_here_is_reported_to_the_sender_in_vietnam_time(province, sealed):
    peer, key = province
    [filed] = post(province_packet(sealed), key).json()["documents"]
    document = Document.objects.get(pk=filed["id"])
    clerk = User.objects.get(username="vanthu")

    records.register_incoming(document, actor=clerk)
    for status in (HandlingStatus.ASSIGNED, HandlingStatus.IN_PROGRESS, HandlingStatus.DONE):
        records.set_status(document, status, actor=clerk)

    reports = statuses_queued(peer)
    assert [r["code"] for r in reports] == ["01", "03", "04", "05", "06"]
    assert {r["from"] for r in reports} == {PARTY}
    registered = OutboxPacket.objects.get(status_code="03")
    stamp = timezone.localtime(document.arrival_date, VIETNAM_TIME).strftime("%Y/%m/%d %H:%M:%S")
    assert reports[1]["timestamp"] == stamp
    assert b"<edXML:Staff>Ph\xe1\xba\xa1m Th\xe1\xbb\x8b Lan</edXML:Staff>" in bytes(registered.packet)


def test_a_returned_document_goes_back_with_its_reason_and_takes_no_number(province, sealed):
    peer, key = province
    [filed] = post(province_packet(sealed), key).json()["documents"]
    numbers = NumberEntry.objects.count()

    records.set_status(Document.objects.get(pk=filed["id"]), HandlingStatus.RETURNED,
                       reason="Văn bản không thuộc thẩm quyền giải quyết của Đảng ủy xã.")

    returned = statuses_queued(peer)[-1]
    assert (returned["code"], returned["description"]) == ("02", "Văn bản không thuộc thẩm quyền giải quyết của Đảng "
                                                                  "ủy xã.")
    assert NumberEntry.objects.count() == numbers


def status_from(organ_id: str, code: str, document_id: str, *, at=None, description: str = "") -> bytes:
    return build_status_packet(reporter=Organ(organ_id, "Tỉnh ủy Hà Tĩnh"),
                               response_for=ResponseFor(PARTY, "15/CV/ĐU", timezone.localdate(), document_id),
                               status=code, description=description, staff=StaffInfo(staff="Lê Thị Hoa"),
                               timestamp=at or timezone.now())


@pytest.fixture
def sent_to_province(province, sealed, peer_server):
    peer, key = province
    server = peer_server((201, {"outcome": "accepted"}))
    peer.url = server.url
    peer.save(update_fields=["url"])
    [delivery] = sending.send(outgoing(sealed, recipients=((PROVINCE, "Tỉnh ủy Hà Tĩnh"),)))
    assert attempts.deliver(delivery.packet_id) == "delivered"
    delivery.document.refresh_from_db()
    return delivery, key


def test_a_peer_s_status_packets_move_the_delivery_forward_once_each(sent_to_province):
    delivery, key = sent_to_province
    document_id = delivery.document.exchange_id
    now = timezone.now()
    later = {seconds: now + timedelta(seconds=seconds) for seconds in (1, 2, 60)}  # 01 comes after 03, a 03 twice
    for code, at in (("03", later[2]), ("01", later[1]), ("03", later[2]), ("05", later[60])):
        answer = post(status_from(PROVINCE, code, document_id, at=at), key)
        assert answer.status_code == 200 and answer.json()["outcome"] == "recorded", answer.content
    delivery.refresh_from_db()
    assert delivery.status == "processing"
    assert [event.status for event in deliveries.history(delivery)] == [
        "pending", "delivered", "received", "accepted", "processing"]
    assert delivery.events.get(status="accepted").staff == "Lê Thị Hoa"


def test_a_refusal_reaches_the_sender_s_register_with_its_reason(sent_to_province):
    delivery, key = sent_to_province
    post(status_from(PROVINCE, "02", delivery.document.exchange_id, description="Sai nơi nhận"), key)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.reason) == ("refused", "Sai nơi nhận")


def test_a_status_about_a_document_not_sent_to_that_organ_through_that_peer_is_refused(sent_to_province, office):
    delivery, key = sent_to_province
    document_id = delivery.document.exchange_id
    assert post(status_from("000.00.00.H42", "03", document_id), key).status_code == 404
    assert post(status_from(PROVINCE, "03", document_id.replace("15/", "16/")), key).status_code == 404
    _other, other_key = make_peer("Trục tỉnh", organ_ids=["000.00.00.H42"])
    assert post(status_from(PROVINCE, "03", document_id), other_key).status_code == 404
    assert post(status_from(PROVINCE, "13", document_id), key).status_code == 422
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert InboxPacket.objects.filter(kind="status", outcome="refused").count() == 4
    assert not OutboxPacket.objects.filter(kind="status").exists()  # a status is never answered


# --- Two posts of one packet at the same moment ------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_of_one_packet_file_it_once(demo, settings, tmp_path, sealed):
    settings.MEDIA_ROOT = tmp_path / "files"
    call_command("seed_documents", verbosity=0)
    peer, _key = make_peer()
    raw = province_packet(sealed)
    barrier, outcomes = threading.Barrier(2), []

    def deliver():
        try:
            barrier.wait()
            outcomes.append(receiving.receive(raw, peer=peer).outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["accepted", "duplicate"]
    assert Document.objects.filter(direction=Direction.INCOMING).count() == 1
    assert ProcessInstance.objects.filter(definition__key="incoming_document").count() == 1
    assert OutboxPacket.objects.filter(kind="status").count() == 1


def test_the_packet_s_own_base64_is_what_arrives(province, sealed):
    _peer, key = province
    raw = province_packet(sealed)
    [filed] = post(raw, key).json()["documents"]
    stored = Document.objects.get(pk=filed["id"]).files.get()
    assert stored.blob_id == hashlib.sha256(sealed).hexdigest()
    assert base64.b64encode(sealed) in raw
