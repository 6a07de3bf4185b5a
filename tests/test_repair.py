"""Administrators' repairs, each refused without a reason and logged with actor and reason;
separation of duties declared in BPMN."""

from datetime import datetime

import pytest
import time_machine

from engine import repair, services, timers
from engine.calendar import TZ
from engine.exceptions import InstanceNotRunning, InvalidData, NotAllowed
from engine.models import AuditEvent, InstanceStatus, ProcessDefinition, ProcessInstance, Task

from .bpmn_helpers import lane, lanes, process


def two_steps(first="draft", second="approve", extra="", process_id="p"):
    return process(f"""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="{first}"/>
    <bpmn:userTask id="{first}"/>
    <bpmn:sequenceFlow id="f2" sourceRef="{first}" targetRef="{second}"/>
    <bpmn:userTask id="{second}">{extra}</bpmn:userTask>
    <bpmn:sequenceFlow id="f3" sourceRef="{second}" targetRef="end"/>
    <bpmn:endEvent id="end"/>""", process_id, lanes(lane("staff", first, second)))


@pytest.fixture
def people(make_user):
    return make_user("admin1"), make_user("staff1", "staff"), make_user("staff2", "staff")


def open_task(instance):
    return Task.objects.get(instance=instance, status="open")


def test_suspend_blocks_completion_until_resumed(deploy_bpmn, people):
    admin, staff, _ = people
    deploy_bpmn(two_steps())
    instance = services.start("p")
    with pytest.raises(InvalidData):
        repair.suspend(instance, actor=admin, reason="")

    repair.suspend(instance, actor=admin, reason="Chờ ý kiến thanh tra")

    with pytest.raises(InstanceNotRunning):
        services.complete(open_task(instance), actor=staff)
    with pytest.raises(InstanceNotRunning):
        repair.suspend(instance, actor=admin, reason="again")
    repair.resume(instance, actor=admin, reason="Đã có ý kiến")
    services.complete(open_task(instance), actor=staff)
    events = AuditEvent.objects.filter(instance=instance, action__in=["instance_suspended", "instance_resumed"])
    assert [(e.action, e.actor, e.after["reason"]) for e in events.order_by("seq")] == [
        ("instance_suspended", admin, "Chờ ý kiến thanh tra"), ("instance_resumed", admin, "Đã có ý kiến")]


def test_a_suspended_instance_is_not_swept_for_timers(deploy_bpmn, people):
    admin, _, _ = people
    deploy_bpmn(process("""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>
      <bpmn:timeDate>shift(now(), minutes=1)</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>
    <bpmn:endEvent id="end"/>"""))
    with time_machine.travel(datetime(2026, 12, 1, 9, tzinfo=TZ), tick=False):
        instance = services.start("p")
        repair.suspend(instance, actor=admin, reason="Tạm dừng")
    with time_machine.travel(datetime(2026, 12, 1, 10, tzinfo=TZ), tick=False):
        assert timers.fire_all_due() == 0
        repair.resume(instance, actor=admin, reason="Tiếp tục")
        assert timers.fire_all_due() == 1
    assert ProcessInstance.objects.get(pk=instance.pk).status == InstanceStatus.COMPLETED


def test_reassign_gives_the_task_to_someone_else(deploy_bpmn, people):
    admin, staff1, staff2 = people
    deploy_bpmn(two_steps())
    instance = services.start("p")
    task = open_task(instance)

    repair.reassign(task, assignee=staff2, actor=admin, reason="Nghỉ phép")

    with pytest.raises(NotAllowed):
        services.complete(task, actor=staff1)
    services.complete(task, actor=staff2)
    event = AuditEvent.objects.get(instance=instance, action="task_reassigned")
    assert (event.actor, event.before, event.after) == (admin, {"assignee": None},
                                                       {"assignee": {"id": staff2.pk, "username": staff2.username},
                                                        "reason": "Nghỉ phép"})


def test_separation_of_duties_is_enforced(deploy_bpmn, people):
    _, staff1, staff2 = people
    extra = ('<bpmn:extensionElements><spiffworkflow:properties>'
             '<spiffworkflow:property name="notCompletedBy" value="draft"/>'
             '</spiffworkflow:properties></bpmn:extensionElements>')
    deploy_bpmn(two_steps(extra=extra))
    instance = services.start("p")
    services.complete(open_task(instance), actor=staff1)

    with pytest.raises(NotAllowed) as raised:
        services.complete(open_task(instance), actor=staff1)

    assert "draft" in str(raised.value)
    services.complete(open_task(instance), actor=staff2)
    assert ProcessInstance.objects.get(pk=instance.pk).status == InstanceStatus.COMPLETED


def test_migration_to_a_version_with_a_new_later_step(deploy_bpmn, people):
    admin, staff, _ = people
    deploy_bpmn(two_steps())
    instance = services.start("p")
    services.complete(open_task(instance), actor=staff)  # now at "approve"
    v2_xml = two_steps().replace('targetRef="end"/>', 'targetRef="sign"/><bpmn:userTask id="sign" name="Ký"/>'
                                 '<bpmn:sequenceFlow id="f4" sourceRef="sign" targetRef="end"/>').replace(
        "<bpmn:flowNodeRef>approve</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>approve</bpmn:flowNodeRef><bpmn:flowNodeRef>sign</bpmn:flowNodeRef>")
    v2 = deploy_bpmn(v2_xml)
    assert v2.version == 2

    repair.migrate(instance, to=v2, actor=admin, reason="Bổ sung bước ký")

    instance.refresh_from_db()
    assert instance.definition == v2
    approve = open_task(instance)
    assert approve.bpmn_id == "approve"
    services.complete(approve, actor=staff)
    assert open_task(instance).bpmn_id == "sign"
    event = AuditEvent.objects.get(instance=instance, action="instance_migrated")
    assert (event.actor, event.before, event.after) == (admin, {"version": 1},
                                                       {"version": 2, "reason": "Bổ sung bước ký"})


def test_migration_is_refused_when_the_active_step_has_no_counterpart(deploy_bpmn, people):
    admin, staff, _ = people
    deploy_bpmn(two_steps())
    instance = services.start("p")
    services.complete(open_task(instance), actor=staff)  # at "approve"
    v2 = deploy_bpmn(process("""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="draft"/>
    <bpmn:userTask id="draft"/>
    <bpmn:sequenceFlow id="f2" sourceRef="draft" targetRef="end"/>
    <bpmn:endEvent id="end"/>""", "p", lanes(lane("staff", "draft"))))  # "approve" is gone
    before = ProcessInstance.objects.values("state", "revision", "definition").get(pk=instance.pk)

    with pytest.raises(repair.MigrationRefused) as raised:
        repair.migrate(instance, to=v2, actor=admin, reason="Đổi tên bước")

    assert [p.element for p in raised.value.problems] == ["approve"]
    assert ProcessInstance.objects.values("state", "revision", "definition").get(pk=instance.pk) == before
    assert not AuditEvent.objects.filter(action="instance_migrated").exists()
    with pytest.raises(InvalidData):
        repair.migrate(instance, to=ProcessDefinition.objects.get(key="p", version=1), actor=admin, reason="x")
