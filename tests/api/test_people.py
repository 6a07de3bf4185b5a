"""Whom a person field may name (issue 11.2: nothing in the API said who the specialists are): the
people holding the field's role in the task's body, for whoever acts on the task, and 404 for the
rest as for every task they cannot reach."""

from datetime import timedelta

from django.utils import timezone

from directory.models import Holding
from directory.people import collation_key
from engine.models import AuditEvent

from .test_flow import REGISTER, complete, open_task

START = "/api/v1/process-definitions/incoming_document/start/"
SPECIALISTS = ["chuyenvien2", "truongbanxdd", "chuyenvienvp", "chuyenvien", "canbokiemtra"]  # Hương, Mai, Nam…


def presented(client_of) -> dict:
    """An incoming document registered by the clerk: her open "present" task."""
    vanthu = client_of("vanthu")
    instance = vanthu.post(START, {"data": {}}, format="json").json()
    complete(vanthu, open_task(vanthu, instance["id"]), {"valid": True})
    complete(vanthu, open_task(vanthu, instance["id"]), REGISTER)
    return open_task(vanthu, instance["id"])


def assigning(client_of) -> dict:
    """The same document presented to the Party Secretary: his open "assign" task."""
    present = presented(client_of)
    complete(client_of("vanthu"), present, {"presented_to": "bithu"})
    return open_task(client_of("bithu"), present["instance"])


def people(client, task: dict, field: str):
    return client.get(f"/api/v1/tasks/{task['id']}/people/", {"field": field})


def test_the_leader_learns_whom_he_may_name_to_handle_the_document(client_of):
    assign = assigning(client_of)

    response = people(client_of("bithu"), assign, "lead_handler")

    assert response.status_code == 200, response.content
    answer = response.json()
    assert (answer["field"], answer["role"]) == ("lead_handler", "chuyen_vien")
    # the specialists of the Party Committee, by given name as Vietnamese lists are; not the People's Committee's
    assert [p["username"] for p in answer["people"]] == SPECIALISTS
    chuyenvien = next(p for p in answer["people"] if p["username"] == "chuyenvien")
    assert chuyenvien == {"username": "chuyenvien", "display_name": "Đặng Minh Tuấn", "positions": [
        {"title": "Chuyên viên Ban Xây dựng Đảng",
         "body": {"code": "ban_xay_dung_dang", "name": "Ban Xây dựng Đảng Đảng ủy xã"}}]}
    # a list of people: the items' role
    co_handlers = people(client_of("bithu"), assign, "co_handlers").json()
    assert [p["username"] for p in co_handlers["people"]] == SPECIALISTS


def test_the_clerk_learns_which_leaders_she_may_present_to(client_of):
    answer = people(client_of("vanthu"), presented(client_of), "presented_to").json()
    # leaders of the committee: not the head of its office (a leader of the office only)
    assert [(p["username"], p["display_name"]) for p in answer["people"]] == [
        ("bithu", "Nguyễn Văn Bình"), ("phobithu", "Trần Thị Hà")]


def test_the_task_form_says_where_to_find_the_people_of_each_field(client_of):
    assign = assigning(client_of)
    bithu = client_of("bithu")

    form = bithu.get(f"/api/v1/tasks/{assign['id']}/").json()["form"]

    assert set(form["people"]) == {"lead_handler", "co_handlers"}
    url = form["people"]["lead_handler"]
    assert url.endswith(f"/api/v1/tasks/{assign['id']}/people/?field=lead_handler")
    assert [p["username"] for p in bithu.get(url).json()["people"]] == SPECIALISTS


def test_a_form_without_person_fields_points_nowhere(client_of):
    vanthu = client_of("vanthu")
    instance = vanthu.post(START, {"data": {}}, format="json").json()
    receive = open_task(vanthu, instance["id"])
    assert vanthu.get(f"/api/v1/tasks/{receive['id']}/").json()["form"]["people"] == {}


def test_a_field_that_names_nobody_is_a_bad_request(client_of):
    assign, bithu = assigning(client_of), client_of("bithu")
    for field in ("deadline", "no_such_field", ""):
        response = people(bithu, assign, field)
        assert response.status_code == 400, (field, response.content)
        assert response["Content-Type"] == "application/problem+json"
        assert list(response.json()["errors"]) == ["field"]
    assert bithu.get(f"/api/v1/tasks/{assign['id']}/people/").status_code == 400


def test_only_who_acts_on_the_task_may_ask_and_the_others_are_on_record(client_of):
    present = presented(client_of)
    denials = AuditEvent.objects.filter(stream="access", action="access_denied").count()
    # another body's clerk; the committee's secretary, who sees the clerk's task as its supervisor
    # but does not act on it; the head of office, a supervisor too
    for outsider in ("vanthuubnd", "tuphap", "bithu", "chanhvp"):
        response = people(client_of(outsider), present, "presented_to")
        assert response.status_code == 404, (outsider, response.content)
        assert "people" not in response.json()
    assert client_of("bithu").get(f"/api/v1/tasks/{present['id']}/").status_code == 200  # he does see the task
    assert AuditEvent.objects.filter(stream="access", action="access_denied").count() == denials + 4
    assert people(client_of("vanthu"), present, "presented_to").status_code == 200


def test_someone_who_left_office_is_not_offered(client_of):
    assign = assigning(client_of)
    Holding.objects.filter(user__username="chuyenvien2").update(
        valid_to=timezone.localdate() - timedelta(days=1))

    answer = people(client_of("bithu"), assign, "lead_handler").json()

    assert "chuyenvien2" not in [p["username"] for p in answer["people"]]


def test_people_are_listed_in_vietnamese_alphabetical_order():
    names = ["Đức", "Dũng", "Ánh", "Anh", "Ăn", "Lanh", "Lan Anh", "Ân", "Bình", "Ơn", "Ôn", "On"]
    assert sorted(names, key=collation_key) == [
        "Anh", "Ánh", "Ăn", "Ân", "Bình", "Dũng", "Đức", "Lan Anh", "Lanh", "On", "Ôn", "Ơn"]
