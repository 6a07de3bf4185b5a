"""Sending: to a body of this system the document arrives directly as that body's incoming document
with its procedure (once, however often the hand-over runs); to any other organisation it leaves as
an edXML packet through the outbox to the peer serving it. What cannot be sent is refused before
anything is written."""

import pytest
from django.contrib.auth.models import User

from documents import records
from documents.models import Direction, Document, DocumentFile, HandlingStatus, NumberEntry
from engine import inspection, services
from engine.exceptions import EngineError
from engine.models import AuditEvent, Notification, ProcessInstance, Task
from exchange import attempts, deliveries, sending
from exchange.edxml import parse
from exchange.exceptions import NoRoute, NotSendable
from exchange.models import Arrival, Delivery, OutboxPacket, OutboxState
from signing.models import VerificationReport

from ..bpmn_helpers import lane, lanes, process
from .helpers import PARTY, PROVINCE, STATE, check_document_packet, make_peer, outgoing


def history(delivery: Delivery) -> list[str]:
    return [event.status for event in deliveries.history(delivery)]


@pytest.fixture
def letter(office, sealed):
    return outgoing(sealed)


def test_a_body_of_this_system_receives_the_document_as_its_own_incoming_document(letter, sealed):
    vanthu = User.objects.get(username="vanthu")
    [delivery] = sending.send(letter, actor=vanthu)
    letter.refresh_from_db()
    assert letter.exchange_id == f"{PARTY},{letter.issued_date:%Y/%m/%d},15/CV/ĐU"
    assert (delivery.organ_id, delivery.body, delivery.peer, delivery.status) == (STATE, "ubnd_xa", None, "pending")
    assert not Document.objects.filter(direction=Direction.INCOMING).exists()  # not in the sender's step

    assert attempts.deliver(delivery.packet_id) == "delivered"

    copy = Document.objects.get(direction=Direction.INCOMING)
    assert (copy.body, copy.status, copy.arrival_number, copy.exchange_id) == ("ubnd_xa", "received", None, None)
    assert (copy.code_number, copy.code_notation, copy.organ_id, copy.organ_name, copy.subject) == (
        "15", "CV/ĐU", PARTY, "Đảng ủy xã Vĩnh An", letter.subject)
    [original], [copied] = letter.files.all(), copy.files.all()
    assert copied.blob_id == original.blob_id  # the content is stored once
    arrival = Arrival.objects.get(document=copy)
    instance = ProcessInstance.objects.get(pk=arrival.instance_id)
    assert (instance.definition.key, instance.body) == ("incoming_document", "ubnd_xa")
    report = VerificationReport.objects.get(pk=arrival.verification_id)
    assert report.verdict == "valid" and report.instance_id == instance.pk  # read by the first step
    assert Task.objects.get(instance=instance, status="open").candidate_group == "van_thu"
    delivery.refresh_from_db()
    assert history(delivery) == ["pending", "delivered", "received"] and delivery.status == "received"

    # the hand-over again, and sending again: nothing new
    assert attempts.deliver(delivery.packet_id) == "not claimed"
    OutboxPacket.objects.filter(pk=delivery.packet_id).update(state=OutboxState.PENDING)
    assert attempts.deliver(delivery.packet_id) == "delivered"
    assert sending.send(letter, actor=vanthu) == [delivery]
    assert Document.objects.filter(direction=Direction.INCOMING).count() == 1
    assert ProcessInstance.objects.filter(definition__key="incoming_document").count() == 1
    assert Delivery.objects.count() == OutboxPacket.objects.count() == 1


def test_the_receiving_body_s_handling_shows_in_the_sender_s_delivery(letter):
    [delivery] = sending.send(letter)
    attempts.deliver(delivery.packet_id)
    copy = Document.objects.get(direction=Direction.INCOMING)
    clerk = User.objects.get(username="vanthuubnd")

    records.register_incoming(copy, actor=clerk)  # registered: 03
    for status in (HandlingStatus.ASSIGNED, HandlingStatus.IN_PROGRESS, HandlingStatus.DONE):
        records.set_status(copy, status, actor=clerk)

    delivery.refresh_from_db()
    assert history(delivery) == ["pending", "delivered", "received", "accepted", "assigned", "processing", "done"]
    assert delivery.status == "done"
    assert delivery.events.get(status="accepted").staff == "Võ Văn Long"
    assert AuditEvent.objects.filter(stream=f"document:{letter.pk}", action="delivery_status").count() == 7


def test_a_document_returned_by_a_body_here_is_refused_with_its_reason_and_takes_no_number(letter):
    [delivery] = sending.send(letter)
    attempts.deliver(delivery.packet_id)
    copy = Document.objects.get(direction=Direction.INCOMING)
    numbers = NumberEntry.objects.count()

    records.set_status(copy, HandlingStatus.RETURNED, reason="Gửi nhầm nơi nhận: việc này thuộc Đảng ủy.")

    delivery.refresh_from_db()
    assert (delivery.status, delivery.reason) == ("refused", "Gửi nhầm nơi nhận: việc này thuộc Đảng ủy.")
    assert NumberEntry.objects.count() == numbers and copy.arrival_number is None
    told = Notification.objects.filter(kind="document_refused", user__username="vanthu")
    assert told.count() == 1 and "Gửi nhầm nơi nhận" in told.get().message and "15/CV/ĐU" in told.get().message


def test_another_organisation_gets_an_edxml_packet_through_the_peer_serving_it(letter, sealed, peer_server):
    server = peer_server((200, {"outcome": "accepted"}))
    peer, _key = make_peer(url=server.url)
    letter.recipients = [*letter.recipients, {"organ_id": PROVINCE, "organ_name": "Tỉnh ủy Hà Tĩnh"}]
    letter.save(update_fields=["recipients"])

    by_organ = {d.organ_id: d for d in sending.send(letter, actor=User.objects.get(username="vanthu"))}

    packet_row = by_organ[PROVINCE].packet
    assert (packet_row.kind, packet_row.peer, packet_row.state) == ("document", peer, "pending")
    shape = check_document_packet(bytes(packet_row.packet))
    assert (shape["from"], shape["to"], shape["files"]) == (PARTY, [PROVINCE], ["15-CV-DU.pdf"])
    packet = parse(bytes(packet_row.packet))
    assert packet.document.subject == letter.subject and packet.business.staff.staff == "Phạm Thị Lan"
    assert packet.attachments[0].content == sealed and packet.attachments[0].content_type == "application/pdf"
    assert attempts.deliver(packet_row.pk) == "delivered"
    [request] = server.received
    assert request.body == bytes(packet_row.packet)
    assert request.headers["Authorization"] == "Bearer khoa-gui-di-cua-chung-toi-0001"
    assert request.headers["Content-Digest"].startswith("sha-256=:")
    by_organ[PROVINCE].refresh_from_db()
    assert history(by_organ[PROVINCE]) == ["pending", "delivered"]


@pytest.mark.parametrize("change", [
    {"confidentiality": "mat"}, {"code_number": ""}, {"issued_date": None}, {"direction": Direction.INCOMING}])
def test_what_cannot_be_sent_is_refused_before_anything_is_written(letter, change):
    Document.objects.filter(pk=letter.pk).update(**change)
    with pytest.raises(NotSendable):
        sending.send(letter)
    assert not Delivery.objects.exists() and not OutboxPacket.objects.exists()
    assert Document.objects.get(pk=letter.pk).exchange_id is None


def test_a_recipient_nobody_serves_is_refused_by_its_code(letter):
    with pytest.raises(NoRoute) as refused:
        sending.send(letter, recipients=[STATE, "000.00.99.Z99"])
    assert "000.00.99.Z99" in str(refused.value) and not Delivery.objects.exists()


def test_a_document_without_its_pdf_is_not_sent(office):
    document = outgoing(b"%PDF-1.7\n")
    DocumentFile.objects.filter(document=document).delete()
    with pytest.raises(NotSendable):
        sending.send(document)


# --- The service task the outgoing procedure calls --------------------------------------------------------


def sending_process(recipients: str) -> str:
    return process(f"""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="send"/>
    <bpmn:serviceTask id="send"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="exchange.send_document" resultVariable="sent">
        <spiffworkflow:parameters>
          <spiffworkflow:parameter id="recipients" type="any" value="{recipients}"/>
        </spiffworkflow:parameters>
      </spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="send" targetRef="check"/>
    <bpmn:userTask id="check"/>
    <bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="end"/>
    <bpmn:endEvent id="end"/>""", "send_out", lanes(lane("van_thu", "check")))


def test_the_outgoing_procedure_sends_with_a_service_task(letter, deploy_bpmn):
    deploy_bpmn(sending_process(f"['{STATE}']"), "send_out")
    instance = services.start("send_out", data={"document_id": str(letter.pk)}, body="dang_uy_xa")
    check = Task.objects.get(instance=instance, status="open")
    sent = inspection.workflow_of(ProcessInstance.objects.get(pk=instance.pk)).get_task_from_id(check.pk).data["sent"]
    assert sent == {"exchange_id": Document.objects.get(pk=letter.pk).exchange_id,
                    "deliveries": [{"organ_id": STATE, "organ_name": "Ủy ban nhân dân xã Vĩnh An", "route": "local",
                                    "status": "pending"}]}


def test_a_step_sending_to_nowhere_fails_and_sends_nothing(letter, deploy_bpmn):
    deploy_bpmn(sending_process("['000.00.99.Z99']"), "send_out")
    with pytest.raises(EngineError):
        services.start("send_out", data={"document_id": str(letter.pk)}, body="dang_uy_xa")
    assert not Delivery.objects.exists() and not OutboxPacket.objects.exists()
