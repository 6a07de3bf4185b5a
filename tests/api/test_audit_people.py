"""The audit trail names a person one way, id and username, and the API adds the display name
(issue 11.8: events said "2" in one place and "bithu" in another)."""

from django.contrib.auth.models import User

from .test_flow import REGISTER, complete, open_task

START = "/api/v1/process-definitions/incoming_document/start/"


def test_every_event_names_people_by_id_and_username(client_of):
    vanthu, bithu, admin = client_of("vanthu"), client_of("bithu"), client_of("admin")
    instance = vanthu.post(START, {"data": {}}, format="json").json()
    complete(vanthu, open_task(vanthu, instance["id"]), {"valid": True})
    complete(vanthu, open_task(vanthu, instance["id"]), REGISTER)
    complete(vanthu, open_task(vanthu, instance["id"]), {"presented_to": "bithu"})
    assign = open_task(bithu, instance["id"])
    reassigned = admin.post(f"/api/v1/tasks/{assign['id']}/reassign/",
                            {"assignee": "phobithu", "reason": "Bí thư đi công tác"}, format="json")
    assert reassigned.status_code == 200

    events = bithu.get(f"/api/v1/process-instances/{instance['id']}/events/?page_size=100").json()["results"]

    ids = dict(User.objects.values_list("username", "pk"))
    created = next(e for e in events if e["action"] == "task_created" and e["element"] == "assign")
    assert created["after"]["assignee"] == {"id": ids["bithu"], "username": "bithu"}
    reassigned = next(e for e in events if e["action"] == "task_reassigned")
    assert reassigned["before"]["assignee"] == {"id": ids["bithu"], "username": "bithu"}
    assert reassigned["after"]["assignee"] == {"id": ids["phobithu"], "username": "phobithu"}
    registered = next(e for e in events if e["action"] == "task_completed" and e["element"] == "register")
    assert (registered["actor"], registered["actor_id"], registered["actor_display"]) == (
        "vanthu", ids["vanthu"], "Phạm Thị Lan")
    # no event names a person by a bare number
    for event in events:
        for side in (event["before"] or {}, event["after"] or {}):
            assert not isinstance(side.get("assignee"), int), event
