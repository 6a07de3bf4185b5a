"""The bodies each person has worked in (``engine.participation``) follow the steps the engine stores:
never fewer than the history holds, so that a search may trust "no work elsewhere"."""

import importlib

import pytest
from django.apps import apps
from django.db import transaction

from engine import participation, services
from engine.exceptions import NotAllowed
from engine.models import Participation, ProcessInstance, Task


@pytest.fixture
def people(make_user, catalog_deployed, party_office):
    return {name: make_user(name, role) for name, role in [
        ("vanthu", "van_thu"), ("vanthu2", "van_thu"), ("bithu", "lanh_dao"), ("cv", "chuyen_vien")]}


def open_task(instance):
    return Task.objects.get(instance=instance, status="open")


def noted() -> set:
    return set(Participation.objects.values_list("user_id", "body"))


def from_history() -> set:
    started = ProcessInstance.objects.filter(started_by__isnull=False).values_list("started_by_id", "body")
    completed = Task.objects.filter(completed_by__isnull=False).values_list("completed_by_id", "instance__body")
    return {*started, *completed}


def handle_one(people) -> ProcessInstance:
    p = people
    instance = services.start("incoming_document", actor=p["vanthu"], body="dang_uy_xa")
    for data, who in [({"valid": True}, "vanthu"),
                      ({"urgency": "thuong", "organ_name": "Tỉnh ủy", "subject": "Công văn"}, "vanthu"),
                      ({"presented_to": "bithu"}, "vanthu"),
                      ({"lead_handler": "cv", "deadline": "2030-12-06"}, "bithu")]:
        services.complete(open_task(instance), data=data, actor=p[who])
    return instance


def test_starting_and_completing_note_the_body_once(people):
    p = people
    instance = services.start("incoming_document", actor=p["vanthu"], body="dang_uy_xa")
    assert noted() == {(p["vanthu"].pk, "dang_uy_xa")}  # started it, completed nothing yet
    handle_one(people)
    assert noted() == from_history() == {(p[name].pk, "dang_uy_xa") for name in ("vanthu", "bithu")}
    assert Participation.objects.count() == 2  # one row per person and body, however many tasks
    assert instance.started_by_id == p["vanthu"].pk and instance.body == "dang_uy_xa"


def test_the_row_belongs_to_the_steps_transaction(people):
    """A completion refused, or rolled back with the transaction around it, notes nothing."""
    p = people
    instance = services.start("incoming_document", actor=p["vanthu"], body="dang_uy_xa")
    before = noted()
    with pytest.raises(NotAllowed):
        services.complete(open_task(instance), data={"valid": True}, actor=p["cv"])
    with pytest.raises(RuntimeError), transaction.atomic():
        services.complete(open_task(instance), data={"valid": True}, actor=p["vanthu2"])
        assert (p["vanthu2"].pk, "dang_uy_xa") in noted()
        raise RuntimeError("rolled back")
    assert noted() == before


def test_rebuild_and_the_migration_note_what_the_history_holds(people):
    """Rows written around the engine (a bulk load) are noted by ``rebuild``; the migration that
    added the table noted the history already stored in the same way."""
    handle_one(people)
    expected = from_history()
    Participation.objects.all().delete()
    participation.rebuild()
    assert noted() == expected
    Participation.objects.all().delete()
    importlib.import_module("engine.migrations.0006_participation").note_history(apps, None)
    assert noted() == expected


def test_outside_names_only_other_bodies(people):
    p = people
    handle_one(people)
    assert not participation.outside(p["vanthu"], {"dang_uy_xa"}).exists()
    assert list(participation.outside(p["vanthu"], {"ubnd_xa"}).values_list("body", flat=True)) == ["dang_uy_xa"]
