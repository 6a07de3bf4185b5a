"""acts_on, the engine's TASK_AUTHORIZER: the assignee, or the task's role in the owning body."""

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser, User

from directory.delegations import delegate
from directory.models import Delegation
from engine import access, services
from engine.exceptions import NotAllowed
from engine.models import Task, TaskStatus
from processes import catalog

from .helpers import fresh


def task(role="van_thu", body="dang_uy_xa", assignee=None) -> Task:
    return Task(candidate_group=role, body=body, assignee=assignee)


def test_an_open_task_is_for_holders_of_its_role_in_the_owning_body(commune):
    assert access.acts_on(commune.vanthu, task("van_thu", "dang_uy_xa"))
    assert not access.acts_on(commune.vanthuubnd, task("van_thu", "dang_uy_xa"))  # another body's clerk
    assert access.acts_on(commune.vanthuubnd, task("van_thu", "ubnd_xa"))
    assert not access.acts_on(commune.vanthu, task("van_thu", "van_phong"))  # she acts for the committee
    assert not access.acts_on(commune.bithuchibo1, task("lanh_dao", "dang_uy_xa"))  # a cell is not the committee


def test_an_assigned_task_is_its_assignees_alone(commune):
    presented = task("lanh_dao", "dang_uy_xa", assignee=commune.bithu)
    assert access.acts_on(commune.bithu, presented)
    assert not access.acts_on(commune.phobithu, presented)  # holds the role, but it was not presented to him


def test_a_task_without_an_owning_body_is_for_holders_of_the_role_anywhere(commune):
    assert access.acts_on(commune.vanthuubnd, task("van_thu", ""))
    assert not access.acts_on(commune.bithu, task("van_thu", ""))


@pytest.mark.parametrize("who", ["inactive", "anonymous", "none", "no_group"])
def test_nobody_else(commune, who):
    user = {"inactive": commune.vanthu, "anonymous": AnonymousUser(), "none": None, "no_group": commune.vanthu}[who]
    if who == "inactive":
        user.is_active = False
    assert not access.acts_on(user, task("" if who == "no_group" else "van_thu"))


def test_a_delegate_may_complete_while_the_delegation_is_in_force(commune, time_machine):
    delegate(kind=Delegation.Kind.KY_THAY, position=commune.secretary_post, delegator=commune.bithu,
             delegate_to=commune.phobithu, document="01-QĐ/ĐU", valid_from=date(2026, 12, 1),
             valid_to=date(2026, 12, 15))
    time_machine.move_to("2026-12-10 09:00 +07:00")
    assert access.acts_on(fresh(commune.phobithu), task("bi_thu"))
    time_machine.move_to("2026-12-16 09:00 +07:00")
    assert not access.acts_on(fresh(commune.phobithu), task("bi_thu"))


def test_at_most_two_queries_however_many_tasks(commune, django_assert_max_num_queries):
    clerk = fresh(commune.vanthu)
    with django_assert_max_num_queries(2):
        results = [access.acts_on(clerk, task(role, body))
                   for role in ("van_thu", "lanh_dao") for body in ("dang_uy_xa", "ubnd_xa", "")] * 10
    assert results.count(True) == 20


def test_the_engine_asks_the_directory(demo):
    # given the demo commune and the incoming-document procedure, started for the Party Committee
    services.deploy(catalog.files())
    clerk, state_clerk = User.objects.get(username="vanthu"), User.objects.get(username="vanthuubnd")
    instance = services.start("incoming_document", actor=clerk, body="dang_uy_xa")
    receive = Task.objects.get(instance=instance, status=TaskStatus.OPEN)

    # then the People's Committee's clerk may not receive it; the committee's clerk may
    with pytest.raises(NotAllowed):
        services.complete(receive, data={"valid": True}, actor=state_clerk)
    services.complete(receive, data={"valid": True}, actor=clerk)
    assert Task.objects.get(instance=instance, status=TaskStatus.OPEN).bpmn_id == "register"
