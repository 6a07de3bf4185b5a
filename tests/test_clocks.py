"""A legal clock paused while waiting for the applicant, resumed, and extended by a decision;
every change on record (the one-stop desk, Decree 118/2025)."""

from datetime import datetime

import pytest
import time_machine

from engine import calendar, clocks, inspection, services
from engine.calendar import TZ
from engine.exceptions import InvalidData
from engine.models import AuditEvent, LegalClock, Task

from .bpmn_helpers import lane, lanes, process


def at(y, m, d, hh=9, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


def clock_task(task_id, operation, params):
    parameters = "".join(f'<spiffworkflow:parameter id="{k}" type="any" value="{v}"/>' for k, v in params.items())
    return (f'<bpmn:serviceTask id="{task_id}"><bpmn:extensionElements>'
            f'<spiffworkflow:serviceTaskOperator id="clock.{operation}" resultVariable="clock">'
            f'<spiffworkflow:parameters>{parameters}</spiffworkflow:parameters>'
            f'</spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>')


DOSSIER = process(f"""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="receive"/>
    {clock_task("receive", "start", {"name": "'ho_so'", "days": "5", "cutoff": "True"})}
    <bpmn:sequenceFlow id="f2" sourceRef="receive" targetRef="check"/>
    <bpmn:userTask id="check"/>
    <bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="ask_more"/>
    {clock_task("ask_more", "pause", {"name": "'ho_so'", "reason": "'Phiếu yêu cầu bổ sung (mẫu 02)'"})}
    <bpmn:sequenceFlow id="f4" sourceRef="ask_more" targetRef="supplement"/>
    <bpmn:userTask id="supplement"/>
    <bpmn:sequenceFlow id="f5" sourceRef="supplement" targetRef="go_on"/>
    {clock_task("go_on", "resume", {"name": "'ho_so'"})}
    <bpmn:sequenceFlow id="f6" sourceRef="go_on" targetRef="decide"/>
    <bpmn:userTask id="decide"/>
    <bpmn:sequenceFlow id="f7" sourceRef="decide" targetRef="end"/>
    <bpmn:endEvent id="end"/>""", "dossier", lanes(lane("mot_cua", "check", "supplement", "decide")))


@pytest.fixture(autouse=True)
def fresh_calendar():
    calendar.invalidate()
    yield
    calendar.invalidate()


def test_a_paused_and_resumed_clock_keeps_the_working_days_left(deploy_bpmn, make_user):
    deploy_bpmn(DOSSIER, "dossier")
    officer = make_user("motcua", "mot_cua")
    with time_machine.travel(at(2026, 12, 3, 15, 40), tick=False):  # Thursday, after the 15:00 cut-off
        instance = services.start("dossier", actor=officer)
    clock = LegalClock.objects.get(instance=instance)
    assert clock.due_at == at(2026, 12, 11, 17)  # counted from Friday 4/12: 5 WD -> Friday 11/12

    with time_machine.travel(at(2026, 12, 7, 10), tick=False):  # Monday: dossier incomplete
        services.complete(Task.objects.get(instance=instance, status="open"), actor=officer)
    clock.refresh_from_db()
    assert (clock.status, clock.remaining_days) == ("paused", 4)  # 8, 9, 10, 11 December were left

    with time_machine.travel(at(2026, 12, 14, 9), tick=False):  # supplemented the next Monday
        services.complete(Task.objects.get(instance=instance, status="open"), actor=officer)
    clock.refresh_from_db()
    assert clock.status == "running" and clock.due_at == at(2026, 12, 18, 17)
    decide = Task.objects.get(instance=instance, status="open")
    data = inspection.workflow_of(type(instance).objects.get(pk=instance.pk)).get_task_from_id(decide.pk).data
    assert data["clock"] == {"name": "ho_so", "status": "running", "due": "2026-12-18T17:00:00+07:00",
                             "remaining_days": None, "extended_days": 0}
    actions = list(AuditEvent.objects.filter(instance=instance, action__startswith="clock_")
                   .values_list("action", flat=True).order_by("seq"))
    assert actions == ["clock_started", "clock_paused", "clock_resumed"]
    paused = AuditEvent.objects.get(instance=instance, action="clock_paused")
    assert paused.after["reason"] == "Phiếu yêu cầu bổ sung (mẫu 02)"


def test_an_extension_needs_a_decision_and_is_logged(deploy_bpmn, make_user):
    deploy_bpmn(DOSSIER, "dossier")
    officer = make_user("motcua", "mot_cua")
    with time_machine.travel(at(2026, 12, 3, 9), tick=False):
        instance = services.start("dossier", actor=officer)
    with pytest.raises(InvalidData):
        clocks.extend(instance, "ho_so", 2, decision=" ")

    clock, entry = clocks.extend(instance, "ho_so", 2, decision="Quyết định gia hạn số 12/QĐ-UBND")

    assert clock.due_at == at(2026, 12, 14, 17)  # Thursday 10/12 + 2 WD
    assert entry.action == "clock_extended" and entry.after["decision"] == "Quyết định gia hạn số 12/QĐ-UBND"
    with time_machine.travel(at(2026, 12, 16, 9), tick=False):
        stopped, stop_entry = clocks.stop(instance, "ho_so", at=calendar.now())
    assert stop_entry.after["working_days_late"] == 2
