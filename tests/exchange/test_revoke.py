"""Change packets (QCVN 102 business types 1–3, S08) both ways.

Receiving: a revocation (thu hồi) from the peer that brought a document takes back our copy exactly
as a recall from a body here does (procedure cancelled, copy marked, people who had it lose it, on
record) and is answered 15; one we cannot match is refused with 16. An update (đính chính) or a
replacement is filed as a new incoming document linked to the copy it corrects or replaces.

Sending: a correction leaves as an update naming the original's DocumentId, a replacement as a
replacement with the organisations that had the original; what corrects nothing sent to that peer
leaves as a new document.
"""

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from lxml import etree

from documents import records
from documents.models import Direction, Document, DocumentLink, DocumentType, HandlingStatus
from engine.models import AuditEvent, ProcessInstance
from exchange import attempts, sending
from exchange.edxml import Attachment, Business, BusinessType, Replacement, parse
from exchange.models import Arrival, Delivery, InboxPacket, OutboxPacket
from exchange.recalls import RECALL_MARK
from outgoing.recall import link_correction, recall

from ..test_worker import wait_for
from .helpers import PARTY, PROVINCE, STATE, check_status_packet, local_names, make_peer, one, xpath
from .test_receiving import post, province_packet, statuses_queued
from .test_two_deployments import B_PARTY, Api, two_deployments  # noqa: F401 - the fixture, by request

REASON = "Văn bản ban hành không đúng thẩm quyền."


def original_id() -> str:
    return f"{PROVINCE},{timezone.localdate():%Y/%m/%d},102/CV/TU"


def revoke_packet(pdf: bytes, *, to=(PARTY,), reason: str = REASON, document_id: str = "") -> bytes:
    """The provincial committee's revocation of its 102/CV/TU: its header again, type 1, no files."""
    return province_packet(pdf, to=to, files=[], business=Business(doc_type=BusinessType.REVOKE, reason=reason,
                                                                   document_id=document_id or original_id()))


def file_of(pdf: bytes, name: str) -> list[Attachment]:
    return [Attachment(name, "application/pdf", pdf, "Văn bản chính")]


def complete(client, document: Document, bpmn_id: str, data: dict) -> None:
    instance = str(Arrival.objects.get(document=document).instance_id)
    [task] = [t for t in client.get("/api/v1/tasks/?page_size=200").json()["results"]
              if t["instance"] == instance and t["bpmn_id"] == bpmn_id]
    answer = client.post(f"/api/v1/tasks/{task['id']}/complete/", {"data": data}, format="json")
    assert answer.status_code == 200, (bpmn_id, answer.content)


@pytest.fixture
def province(office):
    """The provincial Party Committee's system, a peer, and the key it presents."""
    return make_peer()


@pytest.fixture
def filed(province, sealed, client_of):
    """The province's 102/CV/TU filed here, registered and given by the Bí thư to the Party Building
    Committee, whose head gave it to her specialist."""
    peer, key = province
    answer = post(province_packet(sealed), key)
    assert answer.status_code == 201, answer.content
    document = Document.objects.get(pk=answer.json()["documents"][0]["id"])
    clerk = client_of("vanthu")
    complete(clerk, document, "receive", {"valid": True})
    complete(clerk, document, "register", {"urgency": "thuong", "organ_name": document.organ_name,
                                           "code_number": "102", "code_notation": "CV/TU",
                                           "subject": document.subject})
    complete(clerk, document, "present", {"presented_to": "bithu"})
    complete(client_of("bithu"), document, "assign", {"lead_unit": "ban_xay_dung_dang", "deadline": "2030-12-06"})
    complete(client_of("truongbanxdd"), document, "distribute", {"lead_handler": "chuyenvien"})
    assert client_of("chuyenvien").get(f"/api/v1/documents/{document.pk}/files/").status_code == 200
    return peer, key, document


# --- Receiving a revocation --------------------------------------------------------------------------------


def test_a_revocation_takes_back_our_copy_and_is_answered_15(filed, sealed, client_of):
    peer, key, document = filed
    arrival = Arrival.objects.get(document=document)

    answer = post(revoke_packet(sealed), key)

    assert answer.status_code == 200, answer.content
    assert answer.json() | {"status_code": ""} == {"outcome": "recalled", "kind": "revoke",
                                                   "document_id": original_id(), "status_code": "",
                                                   "documents": [{"id": str(document.pk), "body": "dang_uy_xa"}]}
    document.refresh_from_db()
    assert (document.status, document.description) == ("recalled", RECALL_MARK)
    assert ProcessInstance.objects.get(pk=arrival.instance_id).status == "cancelled"
    recalled = AuditEvent.objects.get(stream=f"document:{document.pk}", action="document_recalled")
    assert (recalled.actor_name, recalled.after["reason"], recalled.after["organ"]) == (
        peer.name, REASON, "Tỉnh ủy Hà Tĩnh")
    assert client_of("chuyenvien").get(f"/api/v1/documents/{document.pk}/").status_code == 404
    assert client_of("vanthu").get(f"/api/v1/documents/{document.pk}/files/").status_code == 403
    lost = set(AuditEvent.objects.filter(stream=f"document:{document.pk}", action="access_revoked")
               .values_list("after__person__username", flat=True))
    assert {"chuyenvien", "truongbanxdd", "bithu", "vanthu"} <= lost
    kept = InboxPacket.objects.get(kind="revoke")
    assert (kept.outcome, kept.exchange_id) == ("accepted", original_id())
    answered = statuses_queued(peer)[-1]
    assert (answered["code"], answered["from"], answered["document_id"]) == ("15", PARTY, original_id())

    # the same revocation again: nothing more, no second answer
    again = post(revoke_packet(sealed), key)
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    assert [s["code"] for s in statuses_queued(peer)].count("15") == 1


def test_a_revocation_we_cannot_match_is_refused_with_16_and_changes_nothing(filed, sealed):
    peer, key, document = filed
    other, other_key = make_peer("Trục tỉnh", organ_ids=["000.00.00.H42"])
    for raw, who in ((revoke_packet(sealed, document_id=original_id().replace("102/", "103/")), key),
                     (revoke_packet(sealed, to=(STATE,)), key),  # a body that never got it
                     (revoke_packet(sealed), other_key)):  # not the peer that brought it
        answer = post(raw, who)
        assert answer.status_code == 422 and answer.json()["type"].endswith("/change_not_matched"), answer.content
    document.refresh_from_db()
    assert document.status == "in_progress"  # untouched: still with the specialist
    codes = [s["code"] for s in statuses_queued()]
    assert codes.count("16") == 3 and "15" not in codes
    assert InboxPacket.objects.filter(outcome="refused").count() == 3


# --- Receiving a correction or a replacement ---------------------------------------------------------------


@pytest.mark.parametrize(("doc_type", "kind"), [(BusinessType.UPDATE, "corrects"), (BusinessType.REPLACE, "replaces")])
def test_a_correction_or_replacement_is_filed_new_and_linked_to_our_copy(filed, sealed, doc_type, kind):
    peer, key, earlier = filed
    business = Business(doc_type=doc_type, reason="Đính chính ngày họp", document_id=original_id(),
                        replacements=(Replacement(original_id(), (PARTY,)),) if kind == "replaces" else ())
    answer = post(province_packet(sealed, number="110", business=business, files=file_of(sealed, "110.pdf")), key)
    assert answer.status_code == 201, answer.content
    new = Document.objects.get(pk=answer.json()["documents"][0]["id"])
    assert (new.code_number, new.status) == ("110", "received")
    assert list(DocumentLink.objects.filter(source=new).values_list("target_id", "kind")) == [(earlier.pk, kind)]
    assert Document.objects.get(pk=earlier.pk).status != "recalled"  # a recall is a packet of its own
    assert statuses_queued(peer)[-1]["code"] == "01"


def test_a_correction_of_something_never_received_is_refused_but_a_replacement_for_others_is_new(province, sealed):
    _peer, key = province
    update = Business(doc_type=BusinessType.UPDATE, reason="Đính chính", document_id=original_id())
    refused = post(province_packet(sealed, number="110", business=update), key)
    assert refused.status_code == 422 and statuses_queued()[-1]["code"] == "16"
    elsewhere = Business(doc_type=BusinessType.REPLACE, reason="Thay thế", document_id=original_id(),
                         replacements=(Replacement(original_id(), ("000.00.00.H42",)),))
    answer = post(province_packet(sealed, number="111", business=elsewhere), key)
    assert answer.status_code == 201, answer.content
    assert not DocumentLink.objects.exists()


# --- Sending a correction and a replacement ---------------------------------------------------------------


@pytest.fixture
def sent_to_both(office, sealed, peer_server):
    """Thông báo 15-TB/ĐU sent to the province (a peer) and to the People's Committee (a body here)."""
    server = peer_server((201, {}))
    make_peer(url=server.url)
    vanthu = User.objects.get(username="vanthu")
    document = records.save(Document(
        direction=Direction.OUTGOING, body="dang_uy_xa", code_number="15", code_notation="TB/ĐU",
        issued_date=timezone.localdate(), subject="Thông báo lịch họp", organ_name="Đảng ủy xã Vĩnh An",
        document_type=DocumentType.objects.get(code="thong_bao"), status=HandlingStatus.ISSUED,
        recipients=[{"organ_id": PROVINCE, "organ_name": "Tỉnh ủy Hà Tĩnh"},
                    {"organ_id": STATE, "organ_name": "Ủy ban nhân dân xã Vĩnh An"}]))
    records.attach(document, sealed, name="15-TB-DU.pdf")
    for delivery in sending.send(document, actor=vanthu):  # the outbox's worker, once per row
        assert attempts.deliver(delivery.packet_id) in ("delivered", "not claimed")
    document.refresh_from_db()
    return document, vanthu


def follow_up(original: Document, vanthu, *, kind: str, number: str, sealed: bytes, to=None) -> Document:
    """A correction (a công văn) or replacement (a thông báo) of ``original``, issued and sent."""
    kind_of_document = DocumentType.objects.get(code="cong_van") if kind == "corrects" else None
    new = records.save(Document(direction=Direction.OUTGOING, body="dang_uy_xa", subject="Về lịch họp",
                                status=HandlingStatus.DRAFT, document_type=kind_of_document))
    link_correction(new, original, kind, vanthu)
    Document.objects.filter(pk=new.pk).update(
        code_number=number, code_notation="CV/ĐU" if kind == "corrects" else "TB/ĐU",
        issued_date=timezone.localdate(), organ_name="Đảng ủy xã Vĩnh An", recipients=to or original.recipients)
    new.refresh_from_db()
    records.attach(new, sealed, name=f"{number}.pdf")
    records.set_status(new, HandlingStatus.ISSUED, actor=vanthu)
    sending.send(new, actor=vanthu)
    new.refresh_from_db()
    return new


def test_a_correction_leaves_as_an_update_naming_the_original(sent_to_both, sealed):
    original, vanthu = sent_to_both
    new = follow_up(original, vanthu, kind="corrects", number="16", sealed=sealed)
    row = OutboxPacket.objects.get(kind="document", document=new)
    packet = parse(bytes(row.packet))
    assert (packet.business.doc_type, packet.business.document_id, packet.document_id) == (
        BusinessType.UPDATE, original.exchange_id, new.exchange_id)
    assert packet.business.document_info_changed and "15-TB/ĐU" in packet.business.reason
    info = one(bytes_tree(row.packet), "//e:Bussiness/e:BussinessDocumentInfo")
    assert local_names(info) == ["DocumentInfo", "DocumentReceiver", "ReceiverList"]
    assert one(info, "e:DocumentInfo/text()") == "1" and one(info, "e:DocumentReceiver/text()") == "0"
    assert Document.objects.get(pk=original.pk).status == "issued"


def test_a_replacement_leaves_as_a_replacement_with_who_had_the_original_and_recalls_it(sent_to_both, sealed):
    original, vanthu = sent_to_both
    new = follow_up(original, vanthu, kind="replaces", number="17", sealed=sealed)
    packet_row = OutboxPacket.objects.get(kind="document", document=new)
    packet = parse(bytes(packet_row.packet))
    assert (packet.business.doc_type, packet.business.document_id) == (BusinessType.REPLACE, original.exchange_id)
    assert packet.business.replacements == (Replacement(original.exchange_id, (PROVINCE,)),)
    tree = bytes_tree(packet_row.packet)
    assert xpath(tree, "//e:Bussiness/e:ReplacementInfoList/e:ReplacementInfo/e:OrganIdList/e:OrganId/text()") == [
        PROVINCE]
    assert one(tree, "//e:Bussiness/e:BussinessDocType/text()") == "3"
    # issued, it recalled the original: a revoke packet to the province, the copy here taken back
    assert Document.objects.get(pk=original.pk).status == "recalled"
    revoke = parse(bytes(OutboxPacket.objects.get(kind="revoke", document=original).packet))
    assert (revoke.business.doc_type, revoke.document_id) == (BusinessType.REVOKE, original.exchange_id)
    assert "17-TB/ĐU" in revoke.business.reason


def test_what_corrects_a_document_the_peer_never_had_leaves_as_new(sent_to_both, sealed):
    original, vanthu = sent_to_both
    make_peer("Trục tỉnh", organ_ids=["000.00.00.H42"])
    new = follow_up(original, vanthu, kind="corrects", number="18", sealed=sealed,
                    to=[{"organ_id": "000.00.00.H42", "organ_name": "UBND tỉnh"}])
    packet = parse(bytes(OutboxPacket.objects.get(kind="document", document=new).packet))
    assert packet.business.doc_type == BusinessType.NEW


def bytes_tree(raw):
    return etree.fromstring(bytes(raw))


# --- Two deployments: the recall crosses ------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_deployments_a_correction_and_a_recall_cross_and_the_answer_comes_back(request, sealed):
    """A sends Thông báo 15-TB/ĐU to B's Đảng ủy, whose specialist gets it; A sends a corrective công văn
    (B links its copy to the first), then recalls 15-TB/ĐU: B takes its copy back from everyone who
    had it, and its 15 shows in A's register."""
    a, b, peer = request.getfixturevalue("two_deployments")
    b.start()
    for code, name, abbreviation in (("thong_bao", "Thông báo", "TB"), ("cong_van", "Công văn", "CV")):
        # a transactional test after others finds the tables flushed, the migrations' rows with them
        DocumentType.objects.get_or_create(code=code, defaults={"name": name, "abbreviation": abbreviation})
    vanthu = User.objects.get(username="vanthu")
    original = records.save(Document(
        direction=Direction.OUTGOING, body="dang_uy_xa", code_number="15", code_notation="TB/ĐU",
        issued_date=timezone.localdate(), subject="Thông báo lịch họp", organ_name="Đảng ủy xã Vĩnh An",
        document_type=DocumentType.objects.get(code="thong_bao"), status=HandlingStatus.ISSUED,
        recipients=[{"organ_id": B_PARTY, "organ_name": "Đảng ủy xã bên"}]))
    records.attach(original, sealed, name="15-TB-DU.pdf")
    [delivery] = sending.send(original, actor=vanthu)
    assert wait_for(lambda: Delivery.objects.get(pk=delivery.pk).status == "received", timeout=120), \
        a.log("worker.log")[-3000:] + b.log("web.log")[-3000:]

    # B handles its copy: its Party Building Committee's specialist has it
    b_clerk, b_bithu, b_head, b_specialist = (Api(b, name) for name in ("vanthu", "bithu", "truongbanxdd",
                                                                          "chuyenvien"))
    [copy] = b_clerk.get("/documents/", direction="incoming")["results"]
    instance = b_clerk.task([t for t in b_clerk.get("/tasks/")["results"]
                             if t["process"] == "incoming_document"][0]["instance"])["instance"]
    b_clerk.complete(instance, {"valid": True})
    b_clerk.complete(instance, {"urgency": copy["urgency"], "organ_name": copy["organ_name"], "code_number": "15",
                                "code_notation": "TB/ĐU", "subject": copy["subject"]})
    b_clerk.complete(instance, {"presented_to": "bithu"})
    b_bithu.complete(instance, {"lead_unit": "ban_xay_dung_dang", "deadline": "2030-12-06"})
    b_head.complete(instance, {"lead_handler": "chuyenvien"})
    assert b_specialist.get(f"/documents/{copy['id']}/files/")

    # a corrective công văn: an update at B, linked there to its copy of 15-TB/ĐU
    correction = records.save(Document(direction=Direction.OUTGOING, body="dang_uy_xa", subject="V/v đính chính",
                                       status=HandlingStatus.DRAFT, recipients=original.recipients,
                                       document_type=DocumentType.objects.get(code="cong_van")))
    link_correction(correction, original, "corrects", vanthu)
    Document.objects.filter(pk=correction.pk).update(code_number="16", code_notation="CV/ĐU",
                                                     issued_date=timezone.localdate(), organ_name="Đảng ủy xã Vĩnh An")
    correction.refresh_from_db()
    records.attach(correction, sealed, name="16-CV-DU.pdf")
    records.set_status(correction, HandlingStatus.ISSUED, actor=vanthu)
    [sent] = sending.send(correction, actor=vanthu)
    assert wait_for(lambda: Delivery.objects.get(pk=sent.pk).status == "received", timeout=120), \
        b.log("web.log")[-3000:]
    [corrective] = [d for d in b_clerk.get("/documents/", direction="incoming")["results"] if d["code_number"] == "16"]
    assert b_clerk.get(f"/documents/{corrective['id']}/")["links"] == [
        {"kind": "corrects", "direction": "out", "document": copy["id"], "number": "15-TB/ĐU"}]

    # the recall: A's copy frozen at once; B's taken back from its clerk's content and its specialist entirely
    recall(original, reason=REASON, actor=vanthu)
    assert wait_for(lambda: Delivery.objects.get(pk=delivery.pk).status == "recalled", timeout=120), \
        a.log("worker.log")[-3000:] + b.log("web.log")[-3000:]
    assert b_specialist.session.get(f"{b_specialist.base}/documents/{copy['id']}/", timeout=30).status_code == 404
    shown = b_clerk.get(f"/documents/{copy['id']}/")
    assert (shown["status"], shown["description"], shown["recalled"]["organ"]) == (
        "recalled", RECALL_MARK, "Đảng ủy xã Vĩnh An")
    assert b_clerk.session.get(f"{b_clerk.base}/documents/{copy['id']}/files/", timeout=30).status_code == 403
    assert b_clerk.get(f"/process-instances/{instance}/")["status"] == "cancelled"
    answered = check_status_packet(bytes(InboxPacket.objects.get(kind="status", status_code="15").packet))
    assert (answered["from"], answered["document_id"]) == (B_PARTY, Document.objects.get(pk=original.pk).exchange_id)
    sent_revoke = OutboxPacket.objects.get(kind="revoke")
    assert sent_revoke.state == "delivered" and sent_revoke.answer_status == 200
    assert "Traceback" not in a.log("web.log") + b.log("web.log")
