"""The incoming-document procedure (Decree 30, Art. 20-24) run through the engine service layer, in
the demo commune: the record made at arrival, the arrival number at registration, the lead unit's
head distributing, co-operating units with their own tasks, the leader closing."""

import pytest
from django.contrib.auth.models import User

from documents.models import Document, HandlingStatus, NumberEntry
from engine import audit, inspection, services, state
from engine.exceptions import InvalidData, NotAllowed, TaskNotOpen
from engine.models import AuditEvent, InstanceStatus, ProcessInstance, Task, TaskStatus

BODY = "dang_uy_xa"
REGISTERED = {"urgency": "khan", "organ_name": "Tỉnh ủy", "code_number": "132", "code_notation": "CV/TU",
              "subject": "V/v triển khai Sổ tay đảng viên điện tử", "document_type": "cong_van"}


@pytest.fixture
def people(office):
    return {user.username: user for user in User.objects.filter(username__in=[
        "vanthu", "bithu", "phobithu", "chanhvp", "truongbanxdd", "chuyenvien", "chuyenvien2"])}


def open_tasks(instance) -> list[Task]:
    return list(Task.objects.filter(instance=instance, status=TaskStatus.OPEN).order_by("created_at", "bpmn_id"))


def open_task(instance, bpmn_id: str | None = None) -> Task:
    found = [task for task in open_tasks(instance) if bpmn_id is None or task.bpmn_id == bpmn_id]
    assert len(found) == 1, [(task.bpmn_id, task.body) for task in open_tasks(instance)]
    return found[0]


def assert_projection_in_sync(instance):
    instance.refresh_from_db()
    ready = state.ready_human_tasks(inspection.workflow_of(instance))
    open_rows = set(Task.objects.filter(instance=instance, status=TaskStatus.OPEN).values_list("id", flat=True))
    assert open_rows == set(ready)


def step(instance, data, actor, expected_bpmn_id):
    task = open_task(instance, expected_bpmn_id)
    services.complete(task, data=data, actor=actor)
    assert_projection_in_sync(instance)
    return task


def start(people, **data):
    return services.start("incoming_document", actor=people["vanthu"], body=BODY, business_key="132-CV/TU",
                          data={"subject": REGISTERED["subject"], "organ_name": "Tỉnh ủy", **data})


def document_of(instance) -> Document:
    return Document.objects.get(processes__instance=instance)


def test_full_run_with_a_lead_unit_a_cooperating_unit_and_reassignment(people):
    p = people
    instance = start(p)
    assert_projection_in_sync(instance)
    document = document_of(instance)
    assert (document.status, document.arrival_number, document.body) == (HandlingStatus.RECEIVED, None, BODY)
    first = open_task(instance)
    assert (first.bpmn_id, first.candidate_group, first.body, first.form_key) == (
        "receive", "van_thu", BODY, "incoming_receive")

    step(instance, {"valid": True}, p["vanthu"], "receive")
    step(instance, REGISTERED, p["vanthu"], "register")
    document.refresh_from_db()
    assert document.arrival_number == 1 and document.register.direction == "incoming"
    assert (document.status, document.urgency, document.code_notation) == (HandlingStatus.REGISTERED, "khan", "CV/TU")
    data = inspection.data_of(instance)
    assert data["arrival_number"] == 1 and data["document_id"] == str(document.pk)
    assert data["deadline"]  # Khẩn: one working day unless the leader sets another

    step(instance, {"presented_to": "bithu"}, p["vanthu"], "present")
    assign = open_task(instance)
    assert assign.assignee == p["bithu"] and assign.candidate_group == "lanh_dao"
    step(instance, {"lead_unit": "ban_xay_dung_dang", "co_units": ["van_phong_dang_uy"], "deadline": "2030-12-06",
                    "instructions": "Ban Xây dựng Đảng chủ trì, Văn phòng phối hợp"}, p["bithu"], "assign")
    document.refresh_from_db()
    assert (document.status, str(document.due_date)) == (HandlingStatus.ASSIGNED, "2030-12-06")

    # the lead unit's head distributes; the co-operating unit's head has a task of its own
    distribute = open_task(instance, "distribute")
    cooperate = open_task(instance, "cooperate")
    assert (distribute.candidate_group, distribute.body, distribute.assignee) == (
        "lanh_dao", "ban_xay_dung_dang", None)
    assert (cooperate.candidate_group, cooperate.body, cooperate.assignee) == ("lanh_dao", "van_phong_dang_uy", None)
    with pytest.raises(NotAllowed):  # the Văn phòng's head is not the Ban's
        services.complete(distribute, data={"lead_handler": "chuyenvien"}, actor=p["chanhvp"])
    step(instance, {"lead_handler": "chuyenvien"}, p["truongbanxdd"], "distribute")
    document.refresh_from_db()
    assert document.status == HandlingStatus.IN_PROGRESS

    handle = open_task(instance, "handle")
    assert (handle.assignee, handle.body) == (p["chuyenvien"], "ban_xay_dung_dang")
    assert handle.due_at.isoformat() == "2030-12-06T10:00:00+00:00"  # 17:00 in Hà Nội
    # The handler asks to be re-assigned: back to the leader, who names another person.
    step(instance, {"outcome": "reassign", "reassign_reason": "Không thuộc lĩnh vực"}, p["chuyenvien"], "handle")
    step(instance, {"lead_handler": "chuyenvien2", "deadline": "2030-12-09"}, p["bithu"], "reassign")
    handle = open_task(instance, "handle")
    assert handle.assignee == p["chuyenvien2"] and handle.due_at.date().isoformat() == "2030-12-09"
    step(instance, {"outcome": "done", "result_summary": "Đã triển khai"}, p["chuyenvien2"], "handle")
    step(instance, {"report": "Đã triển khai tới 34 chi bộ"}, p["chuyenvien2"], "report")
    assert open_task(instance).bpmn_id == "cooperate"  # the leader closes once every co-operator answered
    step(instance, {"opinion": "Văn phòng đã chuẩn bị tài liệu"}, p["chanhvp"], "cooperate")
    step(instance, {"conclusion": "Hoàn thành"}, p["bithu"], "close")

    instance.refresh_from_db()
    document.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED and document.status == HandlingStatus.DONE
    data = inspection.data_of(instance)
    assert data["cooperation"] == [{"by": {"unit": "van_phong_dang_uy"}, "opinion": "Văn phòng đã chuẩn bị tài liệu"}]
    completed = list(Task.objects.filter(instance=instance).order_by("completed_at").values_list("bpmn_id", flat=True))
    assert completed == ["receive", "register", "present", "assign", "distribute", "handle", "reassign", "handle",
                         "report", "cooperate", "close"]
    actions = list(AuditEvent.objects.filter(instance=instance).values_list("action", flat=True))
    assert actions[0] == "instance_started" and actions[-1] == "instance_completed"
    assert {"document_received", "document_registered"} <= set(actions)
    assert audit.verify() == []


def test_a_document_returned_at_receipt_takes_no_number(people):
    instance = start(people, subject="Sai nơi nhận")

    step(instance, {"valid": False, "wrong_recipient": True, "reject_reason": "Gửi sai nơi nhận: đề nghị gửi UBND xã"},
         people["vanthu"], "receive")

    instance.refresh_from_db()
    document = document_of(instance)
    assert instance.status == InstanceStatus.COMPLETED and instance.outcome == "Đã trả lại nơi gửi"
    assert (document.status, document.arrival_number, document.register) == (HandlingStatus.RETURNED, None, None)
    assert not NumberEntry.objects.exists()
    returned = AuditEvent.objects.get(instance=instance, action="document_returned")
    assert returned.after["reason"] == "Gửi sai nơi nhận: đề nghị gửi UBND xã"


def test_only_the_right_people_may_complete(people):
    p = people
    instance = start(p)
    receive = open_task(instance)

    with pytest.raises(NotAllowed):
        services.complete(receive, data={"valid": True}, actor=p["chuyenvien"])
    step(instance, {"valid": True}, p["vanthu"], "receive")
    step(instance, {"urgency": "thuong", "organ_name": "Tỉnh ủy", "subject": "Công văn"}, p["vanthu"], "register")
    step(instance, {"presented_to": "bithu"}, p["vanthu"], "present")
    assign = open_task(instance)
    # Another leader holds the role but the document was presented to the secretary.
    with pytest.raises(NotAllowed):
        services.complete(assign, data={"lead_handler": "chuyenvien", "deadline": "2030-12-06"}, actor=p["phobithu"])
    assert open_task(instance).pk == assign.pk
    assert ProcessInstance.objects.get(pk=instance.pk).revision == 4


def test_an_assignment_names_a_lead_and_units_of_the_body_only(people):
    p = people
    instance = start(p)
    step(instance, {"valid": True}, p["vanthu"], "receive")
    step(instance, {"urgency": "thuong", "organ_name": "Tỉnh ủy", "subject": "Công văn"}, p["vanthu"], "register")
    step(instance, {"presented_to": "bithu"}, p["vanthu"], "present")
    assign = open_task(instance)
    before = ProcessInstance.objects.values("state", "revision").get(pk=instance.pk)

    with pytest.raises(InvalidData) as nobody:
        services.complete(assign, data={"instructions": "Xử lý"}, actor=p["bithu"])
    with pytest.raises(InvalidData) as foreign:
        services.complete(assign, data={"lead_unit": "phong_kinh_te", "co_units": ["ban_xay_dung_dang", "ubnd_xa"]},
                          actor=p["bithu"])

    assert set(nobody.value.errors) == {"lead_unit", "lead_handler"}
    assert set(foreign.value.errors) == {"lead_unit", "co_units/1"}  # the Phòng Kinh tế is the People's Committee's
    assert ProcessInstance.objects.values("state", "revision").get(pk=instance.pk) == before


def test_completing_a_finished_task_is_a_conflict_and_changes_nothing(people):
    instance = start(people)
    receive = open_task(instance)
    services.complete(receive, data={"valid": True}, actor=people["vanthu"])
    before = ProcessInstance.objects.values("state", "revision", "audit_seq").get(pk=instance.pk)

    with pytest.raises(TaskNotOpen):
        services.complete(receive, data={"valid": False}, actor=people["vanthu"])

    assert ProcessInstance.objects.values("state", "revision", "audit_seq").get(pk=instance.pk) == before


@pytest.mark.parametrize("form_checks", [True, False])
def test_unknown_assignee_is_refused_and_nothing_is_stored(people, settings, form_checks):
    # the form refuses the name on its field (forms.people); without a form check the engine still
    # refuses to hand the task to nobody
    if not form_checks:
        settings.ENGINE = {**settings.ENGINE, "FORM_VALIDATOR": None}
    p = people
    instance = start(p)
    step(instance, {"valid": True}, p["vanthu"], "receive")
    step(instance, {"urgency": "thuong", "organ_name": "Tỉnh ủy", "subject": "Công văn"}, p["vanthu"], "register")
    present = open_task(instance)
    before = ProcessInstance.objects.values("state", "revision").get(pk=instance.pk)

    with pytest.raises(InvalidData) as raised:
        services.complete(present, data={"presented_to": "khong_ton_tai"}, actor=p["vanthu"])

    assert set(raised.value.errors) == ({"presented_to"} if form_checks else {"assignee"})
    assert ProcessInstance.objects.values("state", "revision").get(pk=instance.pk) == before
    assert open_task(instance).pk == present.pk


def test_cancel_closes_open_tasks_needs_a_reason_and_keeps_the_number_on_record(people):
    instance = start(people)
    step(instance, {"valid": True}, people["vanthu"], "receive")
    step(instance, {"urgency": "thuong", "organ_name": "Tỉnh ủy", "subject": "Công văn"}, people["vanthu"], "register")
    with pytest.raises(InvalidData):
        services.cancel(instance, actor=people["vanthu"], reason=" ")

    services.cancel(instance, actor=people["vanthu"], reason="Nhập trùng")

    instance.refresh_from_db()
    assert instance.status == InstanceStatus.CANCELLED
    assert set(Task.objects.filter(instance=instance, completed_by=None).values_list("status", flat=True)) == {
        TaskStatus.CANCELLED}
    event = AuditEvent.objects.get(instance=instance, action="instance_cancelled")
    assert event.after == {"reason": "Nhập trùng"}
    assert list(NumberEntry.objects.values_list("number", "status")) == [(1, "cancelled")]


def test_data_that_cannot_be_stored_is_refused(people):
    with pytest.raises(InvalidData):
        start(people, when=object())
    with pytest.raises(InvalidData):
        services.start("incoming_document", actor=people["vanthu"], body=BODY, data=["not", "an", "object"])
    assert not ProcessInstance.objects.exists()
