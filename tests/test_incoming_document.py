"""The incoming-document procedure (Decree 30, Art. 20-24) run through the engine service layer."""

import pytest

from engine import audit, inspection, services, state
from engine.exceptions import InvalidData, NotAllowed, TaskNotOpen
from engine.models import AuditEvent, InstanceStatus, ProcessInstance, Task, TaskStatus


@pytest.fixture
def people(make_user, catalog_deployed):
    return {
        "vanthu": make_user("vanthu", "van_thu"),
        "bithu": make_user("bithu", "lanh_dao"),
        "phobithu": make_user("phobithu", "lanh_dao"),
        "chuyenvien": make_user("chuyenvien", "chuyen_vien"),
        "chuyenvien2": make_user("chuyenvien2", "chuyen_vien"),
    }


def open_task(instance) -> Task:
    return Task.objects.get(instance=instance, status=TaskStatus.OPEN)


def assert_projection_in_sync(instance):
    instance.refresh_from_db()
    ready = state.ready_human_tasks(inspection.workflow_of(instance))
    open_rows = set(Task.objects.filter(instance=instance, status=TaskStatus.OPEN).values_list("id", flat=True))
    assert open_rows == set(ready)


def step(instance, data, actor, expected_bpmn_id):
    task = open_task(instance)
    assert task.bpmn_id == expected_bpmn_id
    services.complete(task, data=data, actor=actor)
    assert_projection_in_sync(instance)
    return task


def test_full_run_with_reassignment(people):
    p = people
    instance = services.start("incoming_document", actor=p["vanthu"], business_key="132-CV/TU",
                              data={"subject": "V/v triển khai Sổ tay đảng viên điện tử", "organ_name": "Tỉnh ủy"})
    assert_projection_in_sync(instance)
    first = open_task(instance)
    assert (first.bpmn_id, first.candidate_group, first.lane, first.form_key) == (
        "receive", "van_thu", "Văn thư", "incoming_receive")

    step(instance, {"valid": True}, p["vanthu"], "receive")
    step(instance, {"urgency": "khan", "arrival_number": 457, "organ_name": "Tỉnh ủy",
                    "subject": "V/v triển khai Sổ tay đảng viên điện tử"}, p["vanthu"], "register")
    present = open_task(instance)
    assert present.priority == 1
    step(instance, {"presented_to": "bithu"}, p["vanthu"], "present")

    assign = open_task(instance)
    assert assign.assignee == p["bithu"] and assign.candidate_group == "lanh_dao"
    step(instance, {"lead_handler": "chuyenvien", "co_handlers": ["chuyenvien2"], "deadline": "2030-12-06",
                    "instructions": "Ban Xây dựng Đảng chủ trì"}, p["bithu"], "assign")

    handle = open_task(instance)
    assert handle.assignee == p["chuyenvien"]
    assert handle.due_at.isoformat() == "2030-12-06T10:00:00+00:00"  # 17:00 in Hà Nội
    # The handler asks to be re-assigned: back to the leader (the gateway back-edge).
    step(instance, {"outcome": "reassign", "reassign_reason": "Không thuộc lĩnh vực"}, p["chuyenvien"], "handle")
    again = open_task(instance)
    assert again.bpmn_id == "assign" and again.assignee == p["bithu"] and again.pk != assign.pk
    step(instance, {"lead_handler": "chuyenvien2", "deadline": "2030-12-09"}, p["bithu"], "assign")
    step(instance, {"outcome": "done"}, p["chuyenvien2"], "handle")
    step(instance, {"reply": "Công văn 15-CV/ĐU"}, p["chuyenvien2"], "report")

    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED and instance.ended_at is not None
    assert instance.revision == 9  # start + 8 completions, one stored transition each
    assert not Task.objects.filter(instance=instance, status=TaskStatus.OPEN).exists()
    completed = list(Task.objects.filter(instance=instance).order_by("created_at").values_list("bpmn_id", "status"))
    assert [b for b, _ in completed] == ["receive", "register", "present", "assign", "handle", "assign", "handle",
                                         "report"]
    actions = list(AuditEvent.objects.filter(instance=instance).values_list("action", flat=True))
    assert actions.count("task_completed") == 8 and actions[0] == "instance_started"
    assert actions[-1] == "instance_completed"
    reassign = AuditEvent.objects.get(instance=instance, action="task_completed", element="handle",
                                      after__outcome="reassign")
    assert reassign.actor == p["chuyenvien"] and reassign.before == {"outcome": None, "reassign_reason": None}
    assert audit.verify() == []
    # History lives in the log; the stored state holds the active part only.
    assert len(state.as_dict(instance.state)["tasks"]) == 2  # the root and the end: history is in the log
    assert inspection.workflow_of(instance).data["reply"] == "Công văn 15-CV/ĐU"


def test_invalid_document_is_returned_without_registration(people):
    instance = services.start("incoming_document", actor=people["vanthu"], data={"subject": "Sai nơi nhận"})

    step(instance, {"valid": False, "reject_reason": "Gửi sai nơi nhận"}, people["vanthu"], "receive")

    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED
    assert list(Task.objects.filter(instance=instance).values_list("bpmn_id", flat=True)) == ["receive"]
    workflow = inspection.workflow_of(instance)
    assert workflow.data["status"] == "returned"


def test_only_the_right_people_may_complete(people):
    p = people
    instance = services.start("incoming_document", actor=p["vanthu"])
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


def test_completing_a_finished_task_is_a_conflict_and_changes_nothing(people):
    instance = services.start("incoming_document", actor=people["vanthu"])
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
    instance = services.start("incoming_document", actor=p["vanthu"])
    step(instance, {"valid": True}, p["vanthu"], "receive")
    step(instance, {"urgency": "thuong", "organ_name": "Tỉnh ủy", "subject": "Công văn"}, p["vanthu"], "register")
    present = open_task(instance)
    before = ProcessInstance.objects.values("state", "revision").get(pk=instance.pk)

    with pytest.raises(InvalidData) as raised:
        services.complete(present, data={"presented_to": "khong_ton_tai"}, actor=p["vanthu"])

    assert set(raised.value.errors) == ({"presented_to"} if form_checks else {"assignee"})
    assert ProcessInstance.objects.values("state", "revision").get(pk=instance.pk) == before
    assert open_task(instance).pk == present.pk


def test_cancel_closes_open_tasks_and_needs_a_reason(people):
    instance = services.start("incoming_document", actor=people["vanthu"])
    with pytest.raises(InvalidData):
        services.cancel(instance, actor=people["vanthu"], reason=" ")

    services.cancel(instance, actor=people["vanthu"], reason="Nhập trùng")

    instance.refresh_from_db()
    assert instance.status == InstanceStatus.CANCELLED
    assert list(Task.objects.filter(instance=instance).values_list("status", flat=True)) == [TaskStatus.CANCELLED]
    event = AuditEvent.objects.get(instance=instance, action="instance_cancelled")
    assert event.after == {"reason": "Nhập trùng"}


def test_data_that_cannot_be_stored_is_refused(people):
    with pytest.raises(InvalidData):
        services.start("incoming_document", actor=people["vanthu"], data={"when": object()})
    with pytest.raises(InvalidData):
        services.start("incoming_document", actor=people["vanthu"], data=["not", "an", "object"])
    assert not ProcessInstance.objects.exists()
