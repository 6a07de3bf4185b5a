"""Object permissions follow the work: granted when a task reaches someone, revoked when it leaves."""

import pytest
from guardian.shortcuts import get_objects_for_user

from engine import repair, services
from engine.exceptions import Conflict, NotAllowed
from engine.models import ProcessInstance, ProcessInstanceUserObjectPermission, Task, TaskUserObjectPermission


@pytest.fixture
def people(make_user, catalog_deployed, party_office):
    return {name: make_user(name, role) for name, role in [
        ("vanthu", "van_thu"), ("vanthu2", "van_thu"), ("bithu", "lanh_dao"), ("cv", "chuyen_vien"),
        ("cv2", "chuyen_vien"), ("admin1", "")]}


def open_task(instance):
    return Task.objects.get(instance=instance, status="open")


def perms(user, obj):
    user = type(user).objects.get(pk=user.pk)  # a fresh object: guardian caches per user object
    return sorted(p.split(".")[-1] for p in user.get_all_permissions(obj))


def test_assigned_work_grants_and_finished_work_revokes(people):
    p = people
    instance = services.start("incoming_document", actor=p["vanthu"], body="dang_uy_xa")
    for data, who in [({"valid": True}, "vanthu"),
                      ({"urgency": "thuong", "organ_name": "Tỉnh ủy", "subject": "Công văn"}, "vanthu"),
                      ({"presented_to": "bithu"}, "vanthu")]:
        services.complete(open_task(instance), data=data, actor=p[who])
    assign = open_task(instance)
    assert perms(p["bithu"], assign) == ["change_task", "view_task"]
    assert perms(p["bithu"], instance) == ["view_processinstance"]
    assert perms(p["vanthu"], instance) == []

    services.complete(assign, data={"lead_handler": "cv", "deadline": "2030-12-06"}, actor=p["bithu"])

    handle = open_task(instance)
    assert perms(p["bithu"], assign) == [] and perms(p["bithu"], instance) == []  # the work left the leader
    assert perms(p["cv"], handle) == ["change_task", "view_task"]
    assert list(get_objects_for_user(p["cv"], "engine.view_processinstance", ProcessInstance)) == [instance]
    services.complete(handle, data={"outcome": "done"}, actor=p["cv"])
    report = open_task(instance)
    assert perms(p["cv"], instance) == ["view_processinstance"]  # the next task is theirs too
    services.complete(report, data={"report": "x"}, actor=p["cv"])
    close = open_task(instance)
    assert perms(p["bithu"], close) == ["change_task", "view_task"]  # back to the leader who assigned it
    services.complete(close, data={}, actor=p["bithu"])
    assert not TaskUserObjectPermission.objects.exists()
    assert not ProcessInstanceUserObjectPermission.objects.exists()


def test_claim_unclaim_and_reassign_move_the_grants(people):
    p = people
    instance = services.start("incoming_document", actor=p["vanthu"], body="dang_uy_xa")
    receive = open_task(instance)
    assert perms(p["vanthu"], receive) == []  # offered to the role, through the candidate_group column

    services.claim(receive, actor=p["vanthu"])
    assert perms(p["vanthu"], receive) == ["change_task", "view_task"]
    with pytest.raises(Conflict):
        services.claim(receive, actor=p["vanthu2"])
    with pytest.raises(NotAllowed):
        services.claim(receive, actor=p["cv"])
    with pytest.raises(NotAllowed):
        services.complete(receive, data={"valid": True}, actor=p["vanthu2"])

    repair.reassign(Task.objects.get(pk=receive.pk), assignee=p["vanthu2"], actor=p["admin1"], reason="Nghỉ ốm")
    assert perms(p["vanthu"], receive) == [] and perms(p["vanthu2"], receive) == ["change_task", "view_task"]
    services.unclaim(Task.objects.get(pk=receive.pk), actor=p["vanthu2"])
    assert perms(p["vanthu2"], receive) == [] and Task.objects.get(pk=receive.pk).assignee is None
    services.complete(receive, data={"valid": True}, actor=p["vanthu"])
