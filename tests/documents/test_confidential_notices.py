"""The notices the incoming procedure sends about a document (Hỏa tốc to the leader on duty, the
escalation to the deputy, the reminders and the overdue flag to the handler and the leader), driven
through the API with the clock set: each names the document by its number to its recipients, never
carries a confidential subject, and reaches nobody else. The procedure's subject in task and instance
lists hides a Tuyệt mật subject from everyone."""


import pytest
import time_machine

from documents.models import Document
from engine import timers
from engine.models import Notification

from ..vn_time import at, fresh_calendar  # noqa: F401 - the fixture, used through pytestmark

LEVELS = ["", "mat", "toi_mat", "tuyet_mat"]
SUBJECT = "Công điện hỏa tốc về phòng chống bão số 7 zqv9"
START = "/api/v1/process-definitions/incoming_document/start/"


pytestmark = pytest.mark.usefixtures("fresh_calendar")


def complete(client, instance_id, bpmn_id, data):
    [task] = [t for t in client.get("/api/v1/tasks/?page_size=100").json()["results"]
              if t["instance"] == instance_id and t["bpmn_id"] == bpmn_id]
    response = client.post(f"/api/v1/tasks/{task['id']}/complete/", {"data": data}, format="json")
    assert response.status_code == 200, response.content


def duty_of(day) -> tuple[str, str]:
    from directory.models import Duty  # the demo roster of the day

    duty = Duty.objects.select_related("leader", "deputy").get(body__code="dang_uy_xa", day=day)
    return duty.leader.username, duty.deputy.username


@pytest.mark.parametrize("level", LEVELS)
def test_the_procedure_s_notices_name_the_document_without_its_confidential_subject(client_of, office, level):
    vanthu = client_of("vanthu")
    friday = at(2026, 11, 27, 16, 50)
    leader, deputy = duty_of(friday.date())
    with time_machine.travel(friday, tick=False):  # Hỏa tốc on Friday 16:50: the leader on duty at once
        started = vanthu.post(START, {"data": {"subject": SUBJECT, "organ_name": "Ban Chỉ huy PCTT tỉnh",
                                               "urgency": "hoa_toc", "confidentiality": level}}, format="json")
        assert started.status_code == 201, started.content
        instance = started.json()["id"]
        complete(vanthu, instance, "receive", {"valid": True})
        complete(vanthu, instance, "register", {"urgency": "hoa_toc", "organ_name": "Ban Chỉ huy PCTT tỉnh",
                                                "code_number": "07", "code_notation": "CĐ/BCH", "subject": SUBJECT,
                                                "document_type": "cong_van", "confidentiality": level})
    with time_machine.travel(at(2026, 11, 27, 18, 50, 30), tick=False):  # the SLA passed: the deputy
        timers.fire_all_due()
    with time_machine.travel(at(2026, 11, 27, 19, 5), tick=False):
        complete(client_of(deputy), instance, "assign", {"lead_handler": "chuyenvien", "deadline": "2026-12-01"})
    for moment in (at(2026, 11, 30, 7, 31), at(2026, 12, 1, 7, 31), at(2026, 12, 1, 17, 1, 30)):
        with time_machine.travel(moment, tick=False):  # due soon, due today, overdue
            timers.fire_all_due()

    document = Document.objects.get(processes__instance_id=instance)
    # the process's subject in task and instance lists is one text for all: hidden when Tuyệt mật
    listed = SUBJECT if level != "tuyet_mat" else "***"
    for username in ("vanthu", "chuyenvien", deputy):
        client = client_of(username)
        tasks = [t for t in client.get("/api/v1/tasks/?page_size=100").json()["results"] if t["instance"] == instance]
        assert all(task["subject"] == listed for task in tasks), (username, tasks)
        assert client.get(f"/api/v1/process-instances/{instance}/").json()["subject"] == listed, username
    assert document.confidentiality == level and document.register.secret is bool(level)
    sent = Notification.objects.filter(instance_id=instance)
    assert sorted(sent.values_list("kind", flat=True).distinct()) == ["escalation", "flash", "overdue", "reminder"]
    told = set(sent.values_list("user__username", flat=True))
    assert told == {leader, deputy, "chuyenvien"}
    for username in sorted(told):
        notices = client_of(username).get("/api/v1/notifications/?page_size=100").json()["results"]
        mine = [n["message"] for n in notices if n["instance"] == instance]
        assert mine, username
        for message in mine:
            assert "07-CĐ/BCH" in message, (username, message)  # every notice names the document (Party form)
            assert ("zqv9" in message) is (not level), (username, level, message)
            if level:
                assert str(document.get_confidentiality_display()) in message, message
