"""Deadlines of the incoming-document procedure (S01 and S07 of the acceptance scenarios)."""

from datetime import datetime

import pytest
import time_machine

from engine import calendar, inspection, services, timers
from engine.calendar import TZ
from engine.models import Notification, ProcessInstance, Task


def at(y, m, d, hh=9, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


@pytest.fixture
def people(make_user, catalog_deployed):
    calendar.invalidate()
    return {name: make_user(name, role) for name, role in [
        ("vanthu", "van_thu"), ("bithu", "lanh_dao"), ("chanhvp", "chanh_van_phong"), ("cv", "chuyen_vien")]}


def complete(instance, data, actor):
    task = Task.objects.get(instance=instance, status="open")
    services.complete(task, data=data, actor=actor)
    return task


def notices(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("user__username", flat=True))


def test_s07_reminders_overdue_flag_and_escalation_across_the_national_day(people):
    p = people
    with time_machine.travel(at(2026, 8, 28, 9, 10), tick=False):  # Friday D
        instance = services.start("incoming_document", actor=p["vanthu"])
        complete(instance, {"valid": True}, p["vanthu"])
        complete(instance, {"urgency": "thuong", "organ_name": "Tỉnh ủy", "subject": "Công văn"}, p["vanthu"])
        complete(instance, {"presented_to": "bithu"}, p["vanthu"])
        # D+3 working days: 31/8, 1/9 and 2/9 are days off.
        complete(instance, {"lead_handler": "cv", "deadline": "2026-09-07", "instructions": "Xử lý"}, p["bithu"])
    handle = Task.objects.get(instance=instance, status="open")
    assert handle.due_at == at(2026, 9, 7, 17)
    assert ProcessInstance.objects.get(pk=instance.pk).next_timer_at == at(2026, 9, 4, 7, 30)

    with time_machine.travel(at(2026, 9, 4, 7, 31), tick=False):  # D+2 WD: the day before
        timers.fire_all_due()
    assert notices("reminder") == ["cv"]
    with time_machine.travel(at(2026, 9, 7, 7, 31), tick=False):  # the due day
        timers.fire_all_due()
    assert notices("reminder") == ["cv", "cv"]
    with time_machine.travel(at(2026, 9, 7, 17, 0), tick=False):
        timers.fire_all_due()
    assert notices("overdue") == []
    with time_machine.travel(at(2026, 9, 7, 17, 1).replace(second=30), tick=False):  # due + 1 minute
        timers.fire_all_due()
    assert notices("overdue") == ["bithu", "cv"]  # the assigning leader and the handler
    instance.refresh_from_db()
    assert inspection.workflow_of(instance).get_task_from_id(handle.pk).data.get("overdue") is None
    assert Task.objects.get(pk=handle.pk).status == "open"  # still to be handled, now late
    with time_machine.travel(at(2026, 9, 8, 9), tick=False):
        complete(instance, {"outcome": "done"}, p["cv"])
        complete(instance, {"reply": "15-CV/ĐU"}, p["cv"])
    instance.refresh_from_db()
    assert instance.status == "completed" and inspection.workflow_of(instance).data["overdue"] is True


def test_s01_presentation_late_escalates_to_the_head_of_office(people):
    p = people
    with time_machine.travel(at(2026, 12, 3, 9, 10), tick=False):  # Thursday D
        instance = services.start("incoming_document", actor=p["vanthu"])
        complete(instance, {"valid": True}, p["vanthu"])
        complete(instance, {"urgency": "thuong", "organ_name": "Tỉnh ủy", "subject": "Công văn"}, p["vanthu"])
    assert ProcessInstance.objects.get(pk=instance.pk).next_timer_at == at(2026, 12, 4, 17)  # end of D+1 WD

    with time_machine.travel(at(2026, 12, 4, 16, 59), tick=False):
        timers.fire_all_due()
    assert notices("escalation") == []
    with time_machine.travel(at(2026, 12, 4, 17, 0).replace(second=1), tick=False):
        timers.fire_all_due()
    assert notices("escalation") == ["chanhvp"]
    assert Task.objects.get(instance=instance, status="open").bpmn_id == "present"


def test_an_urgent_document_must_be_presented_within_the_hour(people):
    p = people
    with time_machine.travel(at(2026, 11, 27, 16, 50), tick=False):  # Friday afternoon, Hỏa tốc
        instance = services.start("incoming_document", actor=p["vanthu"])
        complete(instance, {"valid": True}, p["vanthu"])
        complete(instance, {"urgency": "hoa_toc", "organ_name": "Tỉnh ủy", "subject": "Công văn hỏa tốc"}, p["vanthu"])
    present = Task.objects.get(instance=instance, status="open")
    assert present.priority == 3
    assert ProcessInstance.objects.get(pk=instance.pk).next_timer_at == at(2026, 11, 27, 17, 50)  # not Monday
