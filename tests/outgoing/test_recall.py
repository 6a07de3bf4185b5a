"""Recall (thu hồi) of an issued outgoing document, S08: the sender's copy is frozen and marked THU
HỒI; the copy a body of this system received is taken back with its procedure, and everyone it was
forwarded to inside that body (the lead unit's head and specialist, the co-operating unit, a granted
reader) loses it, each on record; a peer gets an edXML revoke packet and its 15 or 16 shows in the
sender's register. Corrections and replacements are linked to what they correct or replace, on
both sides. The documents are issued directly here (a record, its signed PDF, ``exchange.send``);
the outgoing procedure's own tests issue them through the procedure."""

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from lxml import etree
from rest_framework.test import APIClient

from directory.models import Body
from documents import access, grants, records
from documents.models import (
    Direction,
    Document,
    DocumentLink,
    DocumentType,
    EntryStatus,
    HandlingStatus,
    NumberEntry,
)
from engine import services
from engine.exceptions import Conflict, InvalidData, NotAllowed
from engine.models import AuditEvent, Notification, ProcessInstance, Task
from exchange import attempts, deliveries, sending
from exchange.edxml import BusinessType, Organ, ResponseFor, StaffInfo, build_status_packet, parse
from exchange.exceptions import NotSendable
from exchange.models import Arrival, Delivery, OutboxPacket
from exchange.recalls import RECALL_MARK
from outgoing.recall import NotRecallable, link_correction, recall

from ..bpmn_helpers import lane, lanes, process
from ..directory.helpers import hold, post
from ..exchange.helpers import PARTY, PROVINCE, STATE, local_names, make_peer, one, xpath
from .flow import complete_listed

REASON = "Thông báo ghi sai ngày họp (ngày 12 thay cho ngày 21)."


def issue(pdf: bytes, *, number: str = "15", kind: str = "thong_bao", notation: str = "TB/ĐU",
          recipients=((STATE, "Ủy ban nhân dân xã Vĩnh An"),), subject: str = "Thông báo lịch họp Ban Chấp hành",
          send: bool = True, actor: str = "vanthu") -> Document:
    """An issued outgoing document of the Đảng ủy: numbered, dated, signed, and sent."""
    document = records.save(Document(
        direction=Direction.OUTGOING, body="dang_uy_xa", code_number=number, code_notation=notation,
        issued_date=timezone.localdate(), subject=subject, organ_name="Đảng ủy xã Vĩnh An", organ_id=PARTY,
        document_type=DocumentType.objects.get(code=kind), signer_competence="T/M ĐẢNG ỦY",
        signer_position="BÍ THƯ", signer_name="Nguyễn Văn Bình", status=HandlingStatus.ISSUED,
        recipients=[{"organ_id": code, "organ_name": name} for code, name in recipients]))
    records.attach(document, pdf, name=f"{number}-{notation.replace('/', '-')}.pdf")
    if send:
        sending.send(document, actor=User.objects.get(username=actor))
        document.refresh_from_db()
    return document


def deliver_all() -> None:
    """What the outbox's workers do: every pending row once."""
    for row in OutboxPacket.objects.filter(state="pending").order_by("created_at"):
        attempts.deliver(row.pk)


def hand_to_the_lead_unit(client_of, copy: Document) -> str:
    """The People's Committee handles its copy: registered, presented to the Chủ tịch, assigned to the
    Economic Office (lead) with the Office of the People's Council and Committee (co-operating), given
    by the office's head to its specialist. Returns the procedure's id."""
    instance = str(Arrival.objects.get(document=copy).instance_id)
    clerk, chair, head = client_of("vanthuubnd"), client_of("chutich"), client_of("truongphongkt")
    complete_listed(clerk, instance, "receive", {"valid": True})
    complete_listed(clerk, instance, "register", {"urgency": copy.urgency, "organ_name": copy.organ_name,
                                           "code_number": copy.code_number, "code_notation": copy.code_notation,
                                           "subject": copy.subject, "document_type": "thong_bao"})
    complete_listed(clerk, instance, "present", {"presented_to": "chutich"})
    complete_listed(chair, instance, "assign", {"lead_unit": "phong_kinh_te", "co_units": ["van_phong_hdnd_ubnd"],
                                         "deadline": "2030-12-06", "instructions": "Phòng Kinh tế chủ trì"})
    complete_listed(head, instance, "distribute", {"lead_handler": "kinhte"})
    return instance


@pytest.fixture
def notice(office, sealed):
    """Thông báo 15-TB/ĐU, issued to the People's Committee, and its copy there. The Economic
    Office's specialist is a specialist of that unit (the demo grants it to the Party's units only)."""
    unit = Body.objects.get(code="phong_kinh_te")
    hold(User.objects.get(username="kinhte"), post(unit, "Chuyên viên của Phòng", ("chuyen_vien", unit)))
    document = issue(sealed)
    deliver_all()
    return document, Document.objects.get(direction=Direction.INCOMING, body="ubnd_xa")


# --- The sender's copy is frozen, the copy in the body here taken back -------------------------------------


def test_a_recall_freezes_the_sender_s_copy_and_takes_back_the_copy_of_a_body_here(client_of, notice, sealed):
    document, copy = notice
    instance = hand_to_the_lead_unit(client_of, copy)
    kinhte = client_of("kinhte")
    [row] = kinhte.get(f"/api/v1/documents/{copy.pk}/files/").json()  # the specialist reads it
    assert kinhte.get(f"/api/v1/documents/{copy.pk}/content/", {"file": row["id"]}).content == sealed
    arrival_number = NumberEntry.objects.get(document=copy)
    vanthu = User.objects.get(username="vanthu")

    recall(document, reason=REASON, actor=vanthu)

    # the sender's copy: frozen, marked, read-only
    document.refresh_from_db()
    assert (document.status, document.description) == ("recalled", RECALL_MARK)
    with pytest.raises(Conflict):
        records.attach(document, sealed, name="15-TB-DU.pdf")
    with pytest.raises(NotSendable):
        sending.send(document, recipients=[PROVINCE])
    with pytest.raises(Conflict):
        records.set_status(document, HandlingStatus.ISSUED)
    assert client_of("vanthu").get(f"/api/v1/documents/{document.pk}/files/").status_code == 200  # kept, readable
    [recalled] = AuditEvent.objects.filter(stream=f"document:{document.pk}", action="document_recalled")
    assert (recalled.actor.username, recalled.after["reason"], recalled.after["organ"]) == (
        "vanthu", REASON, "Đảng ủy xã Vĩnh An")

    # the copy of the People's Committee: marked, its procedure cancelled with the reason, its number cancelled
    copy.refresh_from_db()
    assert (copy.status, copy.description) == ("recalled", RECALL_MARK)
    process = ProcessInstance.objects.get(pk=instance)
    assert process.status == "cancelled"
    assert not Task.objects.filter(instance=process, status="open").exists()
    cancelled = AuditEvent.objects.get(instance=process, action="instance_cancelled")
    assert REASON in cancelled.after["reason"] and "Đảng ủy xã Vĩnh An" in cancelled.after["reason"]
    arrival_number.refresh_from_db()
    assert arrival_number.status == EntryStatus.CANCELLED and REASON in arrival_number.note

    # the specialist who had it finds nothing; the clerk keeps the register's metadata, not the content
    for path in ("", "files/", f"content/?file={row['id']}"):
        assert kinhte.get(f"/api/v1/documents/{copy.pk}/{path}").status_code == 404, path
    clerk = client_of("vanthuubnd")
    shown = clerk.get(f"/api/v1/documents/{copy.pk}/").json()
    assert (shown["status"], shown["content_open"], shown["recalled"]["reason"]) == ("recalled", False, REASON)
    refused = clerk.get(f"/api/v1/documents/{copy.pk}/files/")
    assert refused.status_code == 403 and "THU HỒI" in refused.json()["detail"]
    assert clerk.get(f"/api/v1/process-instances/{instance}/").json()["data"] is None

    # every person who lost it, on the copy's trail; the sender's register shows the copy taken back
    lost = {event.after["person"]["username"]: event.after for event in AuditEvent.objects.filter(
        stream=f"document:{copy.pk}", action="access_revoked")}
    assert {"kinhte", "truongphongkt", "chanhvpubnd", "vanthuubnd", "chutich"} <= set(lost)
    assert lost["kinhte"]["keeps"] == "nothing" and lost["kinhte"]["had_content"] is True
    assert "task" in lost["kinhte"]["through"] and lost["vanthuubnd"]["keeps"] == "metadata"
    assert all(event.actor.username == "vanthu" for event in AuditEvent.objects.filter(
        stream=f"document:{copy.pk}", action="access_revoked"))
    delivery = Delivery.objects.get(document=document)
    assert delivery.status == "recalled"
    assert [event.status for event in deliveries.history(delivery)][-1] == "recalled"


def test_a_live_confidential_grant_on_the_copy_is_revoked_and_named(client_of, notice):
    document, copy = notice
    Document.objects.filter(pk=copy.pk).update(confidentiality="mat")  # registered as Mật by the clerk
    copy.refresh_from_db()
    grants.grant(copy, username="tuphap", subject=True, actor=User.objects.get(username="chutich"))
    assert client_of("tuphap").get(f"/api/v1/documents/{copy.pk}/files/").status_code == 200

    recall(document, reason=REASON, actor=User.objects.get(username="chanhvp"))

    grant = copy.grants.get()
    assert grant.revoked_at is not None and grant.revoked_by.username == "chanhvp"
    assert client_of("tuphap").get(f"/api/v1/documents/{copy.pk}/").status_code == 404
    revoked = AuditEvent.objects.get(stream=f"document:{copy.pk}", action="access_revoked",
                                     after__person__username="tuphap")
    assert revoked.after["through"] == ["grant"] and revoked.after["keeps"] == "nothing"


# --- Who sees a recalled copy: the matrix ------------------------------------------------------------------

# who: (reached the copy before the recall, sees its metadata after)
PEOPLE = {
    "vanthuubnd": "office",      # the receiving clerk: keeps the register's entry
    "chutich": "office",         # the Chủ tịch, who assigned it (the competent person)
    "chanhvpubnd": "office",     # the chief of office, head of the co-operating unit
    "truongphongkt": "unit",     # the lead unit's head, who gave it to his specialist
    "kinhte": "unit",            # the lead unit's specialist, who handled it
    "tuphap": "none",            # a specialist of the same committee who never had it
    "admin": "admin",            # process administrator: metadata only, as always
    "vanthu": "sender",          # the sender's clerk: the copy is not hers
}


@pytest.mark.parametrize("username", list(PEOPLE))
def test_a_recalled_copy_is_metadata_for_its_office_and_invisible_to_everyone_else(client_of, notice, username):
    document, copy = notice
    instance = hand_to_the_lead_unit(client_of, copy)
    who, client = PEOPLE[username], client_of(username)
    before = client.get(f"/api/v1/documents/{copy.pk}/")
    assert before.status_code == (200 if who in ("office", "unit", "admin") else 404), username

    recall(document, reason=REASON, actor=User.objects.get(username="vanthu"))

    sees = who in ("office", "admin")
    detail = client.get(f"/api/v1/documents/{copy.pk}/")
    files = client.get(f"/api/v1/documents/{copy.pk}/files/")
    listed = {row["id"] for row in client.get("/api/v1/documents/?page_size=200").json()["results"]}
    found = {row["id"] for row in client.get("/api/v1/documents/", {"search": "lich hop"}).json()["results"]}
    assert (detail.status_code, str(copy.pk) in listed, str(copy.pk) in found) == (
        (200, True, True) if sees else (404, False, False)), username
    assert files.status_code == (403 if sees else 404), username
    if sees:
        assert detail.json()["content_open"] is False and detail.json()["recalled"]["organ"] == "Đảng ủy xã Vĩnh An"
    process = client.get(f"/api/v1/process-instances/{instance}/")
    assert process.status_code == 404 or process.json()["data"] is None, username  # its data carried the content
    copy.refresh_from_db()
    user = User.objects.get(username=username)
    assert access.may_read_content(user, copy) is False
    assert access.visible_documents(user).filter(pk=copy.pk).exists() is sees
    # the sender's own document stays as it was for its office: visible and readable
    if username == "vanthu":
        assert client.get(f"/api/v1/documents/{document.pk}/files/").status_code == 200


# --- Peers: the revoke packet, and the answer in the sender's register --------------------------------------


def answer_from_province(document: Document, code: str, description: str = "") -> bytes:
    return build_status_packet(reporter=Organ(PROVINCE, "Tỉnh ủy Hà Tĩnh"),
                               response_for=ResponseFor(PARTY, "15/TB/ĐU", document.issued_date,
                                                        document.exchange_id),
                               status=code, description=description, staff=StaffInfo(staff="Lê Thị Hoa"))


@pytest.fixture
def to_province(office, sealed, peer_server):
    server = peer_server((201, {"outcome": "accepted"}))
    peer, key = make_peer(url=server.url)
    document = issue(sealed, recipients=((PROVINCE, "Tỉnh ủy Hà Tĩnh"), (STATE, "Ủy ban nhân dân xã Vĩnh An")))
    deliver_all()
    return document, peer, key, server


def test_a_peer_that_has_the_document_gets_a_revoke_packet_and_answers_in_the_sender_s_register(to_province):
    document, peer, key, server = to_province
    recall(document, reason=REASON, actor=User.objects.get(username="vanthu"))

    row = OutboxPacket.objects.get(kind="revoke")
    assert (row.peer, row.document_id, row.exchange_id) == (peer, document.pk, document.exchange_id)
    tree = etree.fromstring(bytes(row.packet))
    header = one(tree, "/e:edXML/e:edXMLEnvelope/e:edXMLHeader")
    assert local_names(header) == ["MessageHeader", "TraceHeaderList"]
    message = one(header, "e:MessageHeader")  # the original's header, resent (EDXML.md §2.3)
    assert one(message, "e:DocumentId/text()") == document.exchange_id
    assert xpath(message, "e:To/e:OrganId/text()") == [PROVINCE]
    assert (one(message, "e:Code/e:CodeNumber/text()"), one(message, "e:Code/e:CodeNotation/text()")) == ("15",
                                                                                                          "TB/ĐU")
    business = one(header, "e:TraceHeaderList/e:Bussiness")
    assert local_names(business)[:4] == ["BussinessDocType", "BussinessDocReason", "DocumentId", "Paper"]
    assert one(business, "e:BussinessDocType/text()") == "1"
    assert one(business, "e:BussinessDocReason/text()") == REASON
    assert one(business, "e:DocumentId/text()") == document.exchange_id
    assert one(business, "e:StaffInfo/e:Staff/text()") == "Phạm Thị Lan"
    assert xpath(tree, "//e:Reference") == [] and xpath(tree, "/e:edXML/e:AttachmentEncoded") == []
    packet = parse(bytes(row.packet))
    assert (packet.business.doc_type, packet.business.document_id) == (BusinessType.REVOKE, document.exchange_id)

    delivery = Delivery.objects.get(document=document, organ_id=PROVINCE)
    assert delivery.status == "recalling"
    assert attempts.deliver(row.pk) == "delivered" and server.received[-1].body == bytes(row.packet)
    assert Delivery.objects.get(document=document, organ_id=STATE).status == "recalled"  # the body here: at once

    posted = APIClient().post("/api/v1/exchange/packets/", data=answer_from_province(document, "15"),
                              content_type="application/xml", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert posted.status_code == 200, posted.content
    delivery.refresh_from_db()
    assert delivery.status == "recalled"
    assert [event.status for event in deliveries.history(delivery)][-2:] == ["recalling", "recalled"]


def test_a_peer_refusing_the_recall_shows_and_the_clerks_are_told(to_province):
    document, _peer, key, _server = to_province
    recall(document, reason=REASON, actor=User.objects.get(username="vanthu"))
    APIClient().post("/api/v1/exchange/packets/", data=answer_from_province(document, "16", "Đã ban hành lại"),
                     content_type="application/xml", HTTP_AUTHORIZATION=f"Bearer {key}")
    delivery = Delivery.objects.get(document=document, organ_id=PROVINCE)
    assert (delivery.status, delivery.reason) == ("not_recalled", "Đã ban hành lại")
    told = Notification.objects.get(kind="recall_refused", user__username="vanthu")
    assert "15/TB/ĐU" in told.message and "Đã ban hành lại" in told.message


def test_what_never_left_is_stopped_and_no_copy_is_made(office, sealed, peer_server):
    server = peer_server((201, {}))
    make_peer(url=server.url)
    document = issue(sealed, recipients=((PROVINCE, "Tỉnh ủy Hà Tĩnh"), (STATE, "Ủy ban nhân dân xã Vĩnh An")))

    recall(document, reason=REASON, actor=User.objects.get(username="vanthu"))

    assert set(Delivery.objects.filter(document=document).values_list("status", flat=True)) == {"recalled"}
    assert set(OutboxPacket.objects.values_list("state", flat=True)) == {"failed"}
    assert not OutboxPacket.objects.filter(kind="revoke").exists()  # nothing to take back anywhere
    OutboxPacket.objects.update(state="pending")  # a worker's wake-up that was already on its way
    deliver_all()
    assert server.received == [] and not Document.objects.filter(direction=Direction.INCOMING).exists()


# --- What may not be recalled, and by whom ----------------------------------------------------------------


def test_only_an_issued_outgoing_document_is_recalled_once_with_a_reason_by_its_office(notice, sealed):
    document, copy = notice
    vanthu = User.objects.get(username="vanthu")
    with pytest.raises(NotAllowed):
        recall(document, reason=REASON, actor=User.objects.get(username="chuyenvien"))  # not the office
    with pytest.raises(NotAllowed):
        recall(document, reason=REASON, actor=User.objects.get(username="vanthuubnd"))  # another body's
    with pytest.raises(InvalidData):
        recall(document, reason="  ", actor=vanthu)
    with pytest.raises(NotRecallable):
        recall(copy, reason=REASON, actor=User.objects.get(username="vanthuubnd"))  # incoming: returned instead
    draft = records.save(Document(direction=Direction.OUTGOING, body="dang_uy_xa", subject="Dự thảo",
                                  status=HandlingStatus.DRAFT))
    with pytest.raises(NotRecallable):
        recall(draft, reason=REASON, actor=vanthu)
    assert Document.objects.get(pk=document.pk).status == "issued"

    recall(document, reason=REASON, actor=vanthu)
    with pytest.raises(NotRecallable):
        recall(document, reason=REASON, actor=vanthu)
    assert AuditEvent.objects.filter(stream=f"document:{document.pk}", action="document_recalled").count() == 1


# --- Corrections and replacements ---------------------------------------------------------------------


def test_a_correction_is_linked_on_both_sides_and_leaves_the_original_in_force(notice, sealed):
    original, copy = notice
    correction = issue(sealed, number="16", kind="cong_van", notation="CV/ĐU", send=False,
                       subject="Đính chính Thông báo số 15-TB/ĐU")
    Document.objects.filter(pk=correction.pk).update(status=HandlingStatus.DRAFT)
    correction.refresh_from_db()
    link_correction(correction, original, "corrects", User.objects.get(username="vanthu"))
    records.set_status(correction, HandlingStatus.ISSUED)
    sending.send(correction)
    deliver_all()

    new_copy = Document.objects.get(direction=Direction.INCOMING, body="ubnd_xa", code_number="16")
    assert DocumentLink.objects.filter(source=new_copy, target=copy, kind="corrects").exists()
    assert Document.objects.get(pk=original.pk).status == "issued"  # a correction recalls nothing
    assert AuditEvent.objects.filter(stream=f"document:{original.pk}", action="corrected_by").exists()


ISSUING = process("""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="issue"/>
    <bpmn:serviceTask id="issue"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="documents.set_status" resultVariable="status">
        <spiffworkflow:parameters>
          <spiffworkflow:parameter id="status" type="str" value="'issued'"/>
        </spiffworkflow:parameters></spiffworkflow:serviceTaskOperator></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="issue" targetRef="end"/>
    <bpmn:endEvent id="end"/>""", "issuing")


def test_a_replacement_takes_the_original_s_type_and_recalls_it_when_issued(notice, sealed, deploy_bpmn):
    original, copy = notice
    vanthu = User.objects.get(username="vanthu")
    replacement = records.save(Document(direction=Direction.OUTGOING, body="dang_uy_xa", subject="Thông báo (thay thế)",
                                        status=HandlingStatus.DRAFT))
    link_correction(replacement, original, "replaces", vanthu)
    replacement.refresh_from_db()
    assert replacement.document_type.code == "thong_bao"
    Document.objects.filter(pk=replacement.pk).update(
        code_number="17", code_notation="TB/ĐU", issued_date=timezone.localdate(), organ_name="Đảng ủy xã Vĩnh An",
        recipients=original.recipients)
    replacement.refresh_from_db()
    records.attach(replacement, sealed, name="17-TB-DU.pdf")

    deploy_bpmn(ISSUING, "issuing")  # a step issues it, as the procedure's does: the recall runs inside it
    services.start("issuing", actor=vanthu, body="dang_uy_xa", data={"document_id": str(replacement.pk)})

    original.refresh_from_db()
    assert original.status == "recalled"
    assert "17-TB/ĐU" in AuditEvent.objects.get(stream=f"document:{original.pk}", action="document_recalled"
                                                ).after["reason"]
    assert ProcessInstance.objects.get(pk=Arrival.objects.get(document=copy).instance_id).status == "cancelled"
    sending.send(replacement, actor=vanthu)
    deliver_all()
    new_copy = Document.objects.get(direction=Direction.INCOMING, body="ubnd_xa", code_number="17")
    assert DocumentLink.objects.filter(source=new_copy, target=copy, kind="replaces").exists()
    assert Document.objects.get(pk=copy.pk).status == "recalled" and new_copy.status == "received"


def test_what_may_not_be_linked_as_a_correction_or_replacement(notice, sealed):
    original, _copy = notice
    vanthu = User.objects.get(username="vanthu")
    draft = records.save(Document(direction=Direction.OUTGOING, body="dang_uy_xa", subject="Dự thảo",
                                  status=HandlingStatus.DRAFT, document_type=DocumentType.objects.get(code="cong_van")))
    other_body = records.save(Document(direction=Direction.OUTGOING, body="ubnd_xa", subject="Dự thảo",
                                       status=HandlingStatus.DRAFT))
    with pytest.raises(InvalidData) as wrong_type:
        link_correction(draft, original, "replaces", vanthu)  # a công văn cannot replace a thông báo
    assert "replaces" in wrong_type.value.errors
    with pytest.raises(InvalidData):
        link_correction(other_body, original, "corrects", vanthu)
    with pytest.raises(InvalidData):
        link_correction(original, draft, "corrects", vanthu)  # the original is not issued
    link_correction(draft, original, "corrects", vanthu)  # a correction may be of another type
    recall(original, reason=REASON, actor=vanthu)
    with pytest.raises(InvalidData):
        link_correction(other_body, original, "corrects", vanthu)
    second = records.save(Document(direction=Direction.OUTGOING, body="dang_uy_xa", subject="Dự thảo 2",
                                   status=HandlingStatus.DRAFT))
    with pytest.raises(InvalidData) as recalled:
        link_correction(second, original, "corrects", vanthu)
    assert "15-TB/ĐU" in recalled.value.message


# --- The REST operation ---------------------------------------------------------------------------------

DRAFTING = process("""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="draft"/>
    <bpmn:userTask id="draft"/>
    <bpmn:sequenceFlow id="f2" sourceRef="draft" targetRef="end"/>
    <bpmn:endEvent id="end"/>""", "drafting", lanes(lane("chuyen_vien", "draft")))


def test_the_recall_operation_answers_404_403_409_and_shows_the_recall(client_of, notice, deploy_bpmn):
    document, copy = notice
    deploy_bpmn(DRAFTING, "drafting")
    records.handled_by(document, services.start("drafting", body="dang_uy_xa"))  # the drafters see it
    url = f"/api/v1/documents/{document.pk}/recall/"
    body = {"reason": REASON}
    denials = AuditEvent.objects.filter(stream="access", action="access_denied").count()

    assert client_of("vanthuubnd").post(url, body, format="json").status_code == 404  # another body's
    refused = client_of("chuyenvien").post(url, body, format="json")  # sees it, may not recall it
    assert refused.status_code == 403 and refused.json()["type"].endswith("/permission_denied"), refused.content
    assert AuditEvent.objects.filter(stream="access", action="access_denied").count() == denials + 2
    vanthu = client_of("vanthu")
    assert vanthu.post(url, {"reason": ""}, format="json").status_code == 400
    assert client_of("vanthuubnd").post(f"/api/v1/documents/{copy.pk}/recall/", body,
                                        format="json").status_code == 409  # an incoming document

    answer = vanthu.post(url, body, format="json")
    assert answer.status_code == 200, answer.content
    shown = answer.json()
    assert (shown["status"], shown["description"], shown["recalled"]["reason"], shown["recalled"]["by"]) == (
        "recalled", RECALL_MARK, REASON, "Phạm Thị Lan")
    again = vanthu.post(url, body, format="json")
    assert again.status_code == 409 and again.json()["type"].endswith("/not_recallable")
    assert vanthu.get(f"/api/v1/documents/{document.pk}/").json()["recalled"]["organ"] == "Đảng ủy xã Vĩnh An"
    assert client_of("chuyenvien").get(f"/api/v1/documents/{document.pk}/").json()["recalled"] is not None


def test_the_detail_shows_links_with_the_other_s_number_only_to_who_may_see_it(client_of, notice, sealed):
    original, copy = notice
    correction = records.save(Document(direction=Direction.OUTGOING, body="dang_uy_xa", subject="Đính chính",
                                       status=HandlingStatus.DRAFT))
    link_correction(correction, original, "corrects", User.objects.get(username="vanthu"))
    shown = client_of("vanthu").get(f"/api/v1/documents/{original.pk}/").json()
    assert shown["links"] == [{"kind": "corrects", "direction": "in", "document": str(correction.pk), "number": ""}]
    assert shown["recalled"] is None
    out = client_of("vanthu").get(f"/api/v1/documents/{correction.pk}/").json()["links"]
    assert out == [{"kind": "corrects", "direction": "out", "document": str(original.pk), "number": "15-TB/ĐU"}]
