"""Timers: reminders that leave the task open, escalations that interrupt it, deadlines in working
days, several sweepers at once, and a failing timer step that becomes an incident."""

import threading
from datetime import datetime

import pytest
import time_machine
from django.db import connection

from engine import calendar, inspection, repair, services, timers
from engine.calendar import TZ
from engine.models import AuditEvent, Incident, InstanceStatus, Notification, ProcessInstance, Task

from .bpmn_helpers import lane, lanes, process


def at(y, m, d, hh=9, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


def notify(task_id, to, kind):
    return f"""<bpmn:serviceTask id="{task_id}"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="engine.notify" resultVariable="{task_id}_result">
        <spiffworkflow:parameters>
          <spiffworkflow:parameter id="to" type="any" value="{to}"/>
          <spiffworkflow:parameter id="kind" type="str" value="'{kind}'"/>
          <spiffworkflow:parameter id="message" type="str" value="'{kind}'"/>
        </spiffworkflow:parameters></spiffworkflow:serviceTaskOperator></bpmn:extensionElements>
    </bpmn:serviceTask>"""


REMIND_AND_ESCALATE = process(f"""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
    <bpmn:userTask id="work"/>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end"/>
    <bpmn:endEvent id="end"/>
    <bpmn:boundaryEvent id="remind" attachedToRef="work" cancelActivity="false">
      <bpmn:timerEventDefinition><bpmn:timeDate>working_days(1)</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f_r" sourceRef="remind" targetRef="send_reminder"/>
    {notify("send_reminder", "['role:staff']", "reminder")}
    <bpmn:sequenceFlow id="f_r2" sourceRef="send_reminder" targetRef="reminded"/>
    <bpmn:endEvent id="reminded"/>
    <bpmn:boundaryEvent id="escalate" attachedToRef="work" cancelActivity="true">
      <bpmn:timerEventDefinition><bpmn:timeDate>working_days(3)</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f_e" sourceRef="escalate" targetRef="take_over"/>
    <bpmn:userTask id="take_over"/>
    <bpmn:sequenceFlow id="f_e2" sourceRef="take_over" targetRef="escalated"/>
    <bpmn:endEvent id="escalated"/>""", "remind_escalate", lanes(lane("staff", "work"), lane("boss", "take_over")))


@pytest.fixture(autouse=True)
def fresh_calendar():
    calendar.invalidate()
    yield
    calendar.invalidate()


def open_ids(instance):
    return sorted(Task.objects.filter(instance=instance, status="open").values_list("bpmn_id", flat=True))


def test_a_reminder_keeps_the_task_and_an_escalation_interrupts_it(deploy_bpmn, make_user):
    deploy_bpmn(REMIND_AND_ESCALATE, "remind_escalate")
    staff = make_user("staff1", "staff")
    make_user("boss1", "boss")
    with time_machine.travel(at(2026, 8, 28, 9), tick=False):  # Friday before the 2/9 holidays
        instance = services.start("remind_escalate", actor=staff)
    instance.refresh_from_db()
    assert instance.next_timer_at == at(2026, 9, 3, 17)  # 31/8, 1/9 and 2/9 are days off

    with time_machine.travel(at(2026, 9, 3, 16, 59), tick=False):
        assert timers.fire_due() == 0
    with time_machine.travel(at(2026, 9, 3, 17, 0).replace(second=1), tick=False):
        assert timers.fire_due() == 1
    assert open_ids(instance) == ["work"]
    assert list(Notification.objects.values_list("user__username", "kind")) == [("staff1", "reminder")]
    instance.refresh_from_db()
    assert instance.next_timer_at == at(2026, 9, 7, 17)

    with time_machine.travel(at(2026, 9, 7, 17, 1), tick=False):
        assert timers.fire_due() == 1
    assert open_ids(instance) == ["take_over"]
    assert Task.objects.get(instance=instance, bpmn_id="work").status == "cancelled"
    instance.refresh_from_db()
    assert instance.next_timer_at is None and instance.status == InstanceStatus.RUNNING
    assert AuditEvent.objects.filter(instance=instance, action="task_cancelled", element="work").count() == 1


def test_a_timer_due_while_nothing_ran_fires_late_not_never(deploy_bpmn, make_user):
    deploy_bpmn(REMIND_AND_ESCALATE, "remind_escalate")
    staff = make_user("staff1", "staff")
    with time_machine.travel(at(2026, 12, 1, 9), tick=False):
        instance = services.start("remind_escalate", actor=staff)
    with time_machine.travel(at(2026, 12, 20, 9), tick=False):  # both timers long due
        timers.fire_all_due()
    assert open_ids(instance) == ["take_over"]
    assert Notification.objects.filter(kind="reminder").count() == 1


INSTANT_TIMER = process("""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:timerEventDefinition><bpmn:timeDate>shift(now(), minutes=1)</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="count"/>
    <bpmn:scriptTask id="count"><bpmn:script>fired = fired + 1</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="count" targetRef="end"/>
    <bpmn:endEvent id="end"/>""", "instant")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweepers_fire_each_timer_once(deploy_bpmn, make_user, settings):
    settings.ENGINE = {**settings.ENGINE, "TIMER_BATCH": 25}
    deploy_bpmn(INSTANT_TIMER, "instant")
    with time_machine.travel(at(2026, 12, 1, 9), tick=False):
        ids = [services.start("instant", data={"fired": 0}).pk for _ in range(200)]
    barrier = threading.Barrier(4)
    errors = []

    def sweep():
        try:
            barrier.wait(timeout=10)
            timers.fire_all_due()
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(repr(err))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    with time_machine.travel(at(2026, 12, 1, 9, 2), tick=True):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert not errors and not any(t.is_alive() for t in threads)
    assert ProcessInstance.objects.filter(pk__in=ids, status="completed").count() == 200
    assert set(ProcessInstance.objects.filter(pk__in=ids).values_list("revision", flat=True)) == {2}
    for pk in ids[:20]:
        assert inspection.workflow_of(ProcessInstance.objects.get(pk=pk)).data["fired"] == 1


def test_a_failing_timer_step_becomes_an_incident_and_can_be_retried(deploy_bpmn, make_user):
    deploy_bpmn(INSTANT_TIMER.replace("fired = fired + 1", "fired = 1 / zero"), "instant")
    admin = make_user("admin1")
    with time_machine.travel(at(2026, 12, 1, 9), tick=False):
        instance = services.start("instant", data={"zero": 0})
    before = ProcessInstance.objects.values("state", "revision").get(pk=instance.pk)
    with time_machine.travel(at(2026, 12, 1, 10), tick=False):
        timers.fire_all_due()

        incident = Incident.objects.get(instance=instance)
        assert incident.kind == "timer" and incident.element == "count" and "chia cho 0" in incident.message
        instance.refresh_from_db()
        assert instance.next_timer_at is None  # not swept again until repaired
        assert ProcessInstance.objects.values("state", "revision").get(pk=instance.pk) == before
        assert timers.fire_all_due() == 0

        repair.retry_incident(incident, actor=admin, reason="Đã sửa dữ liệu")

        timers.fire_all_due()
    assert Incident.objects.filter(instance=instance).count() == 2  # still failing: a new incident
    assert AuditEvent.objects.filter(instance=instance, action="incident_retried", actor=admin).count() == 1


TIMER_START = process("""
    <bpmn:startEvent id="monthly">
      <bpmn:timerEventDefinition><bpmn:timeDate>"2026-12-01T08:00:00+07:00"</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="monthly" targetRef="report"/>
    <bpmn:userTask id="report" name="Báo cáo tháng"/>
    <bpmn:sequenceFlow id="f2" sourceRef="report" targetRef="end"/>
    <bpmn:endEvent id="end"/>""", "monthly_report", lanes(lane("staff", "report")))


def test_a_timer_start_event_starts_the_work_when_due(deploy_bpmn, make_user):
    with time_machine.travel(at(2026, 11, 20, 9), tick=False):
        v1 = deploy_bpmn(TIMER_START, "monthly_report")
        v2 = deploy_bpmn(TIMER_START.replace("Báo cáo tháng", "Báo cáo tháng 12"), "monthly_report")
    waiting = ProcessInstance.objects.filter(definition__key="monthly_report")
    assert [(i.definition.version, i.status) for i in waiting.order_by("started_at")] == [
        (1, "cancelled"), (2, "running")]
    scheduled = waiting.get(status="running")
    assert scheduled.next_timer_at == at(2026, 12, 1, 8) and v1.version == 1 and v2.version == 2
    assert not Task.objects.filter(instance=scheduled).exists()

    with time_machine.travel(at(2026, 12, 1, 8, 0).replace(second=2), tick=False):
        timers.fire_all_due()

    report = Task.objects.get(instance=scheduled, status="open")
    assert report.name == "Báo cáo tháng 12"
