"""The presentation task carries the deadline its timer enforces (Decree 30 Art. 23: by the end of
the next working day; within the hour when urgent), not ``due_at: null`` (issue 11.7)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from engine.models import ProcessInstance

from .test_flow import REGISTER, complete, open_task

START = "/api/v1/process-definitions/incoming_document/start/"
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def present_task(client_of, urgency):
    vanthu = client_of("vanthu")
    instance = vanthu.post(START, {"data": {}}, format="json").json()
    complete(vanthu, open_task(vanthu, instance["id"]), {"valid": True})
    complete(vanthu, open_task(vanthu, instance["id"]), {**REGISTER, "urgency": urgency})
    return open_task(vanthu, instance["id"]), ProcessInstance.objects.get(pk=instance["id"])


def test_an_ordinary_document_is_due_by_the_end_of_the_next_working_day(client_of, time_machine):
    time_machine.move_to(datetime(2026, 12, 4, 10, 0, tzinfo=VN), tick=False)  # a Friday
    task, instance = present_task(client_of, "thuong")
    assert task["bpmn_id"] == "present"
    due = datetime.fromisoformat(task["due_at"]).astimezone(VN)
    assert (due.date().isoformat(), due.hour) == ("2026-12-07", 17)  # Monday, office close
    # it is the very time the escalation timer waits for
    assert instance.next_timer_at == due


def test_an_urgent_document_is_due_within_the_hour(client_of, time_machine):
    # (Hỏa tốc skips presentation: it goes to the leader on duty at once, see the S02 acceptance test)
    time_machine.move_to(datetime(2026, 12, 4, 16, 50, tzinfo=VN), tick=False)  # Friday, 16:50
    task, _instance = present_task(client_of, "thuong_khan")
    assert datetime.fromisoformat(task["due_at"]) == datetime(2026, 12, 4, 17, 50, tzinfo=VN)
    assert datetime.fromisoformat(task["due_at"]) - datetime(2026, 12, 4, 16, 50, tzinfo=VN) == timedelta(hours=1)
