"""Drafts: kept per task and person, resumed, replaced, dropped; only JSON objects of bounded size."""

import pytest

from engine.exceptions import InvalidData, TaskNotOpen
from engine.models import TaskStatus
from forms import drafts, registry
from forms.models import FormDraft

from .conftest import person


def test_a_draft_is_kept_resumed_and_replaced(at_present):
    clerk = person("vanthu")
    assert drafts.get_draft(task=at_present, user=clerk) is None

    drafts.save_draft(task=at_present, user=clerk, data={"note": "đang xem"})
    drafts.save_draft(task=at_present, user=clerk, data={"presented_to": "bi", "note": "chưa xong"})

    assert drafts.get_draft(task=at_present, user=clerk) == {"presented_to": "bi", "note": "chưa xong"}
    assert FormDraft.objects.count() == 1


def test_a_draft_is_not_checked_against_the_form(at_present):
    drafts.save_draft(task=at_present, user=person("vanthu"), data={"presented_to": 3, "unknown": [1]})
    assert drafts.get_draft(task=at_present, user=person("vanthu")) == {"presented_to": 3, "unknown": [1]}


def test_drafts_are_personal(at_present):
    drafts.save_draft(task=at_present, user=person("vanthu"), data={"note": "của văn thư"})
    assert drafts.get_draft(task=at_present, user=person("chanhvp")) is None


def test_discarding_drops_ones_own_or_everyones(at_present):
    for name in ("vanthu", "chanhvp"):
        drafts.save_draft(task=at_present, user=person(name), data={"note": name})
    assert drafts.discard_draft(task=at_present, user=person("vanthu")) == 1
    assert drafts.get_draft(task=at_present, user=person("chanhvp")) == {"note": "chanhvp"}
    assert drafts.discard_draft(task=at_present) == 1
    assert not FormDraft.objects.exists()


@pytest.mark.parametrize("data", [["a list"], "text", None, {"big": "x" * 100_001}, {"when": object()},
                                  {"note": ["ok", "nul\x00"]}])
def test_a_draft_must_be_a_json_object_of_bounded_size(at_present, data):
    with pytest.raises(InvalidData):
        drafts.save_draft(task=at_present, user=person("vanthu"), data=data)
    assert not FormDraft.objects.exists()


def test_a_closed_task_keeps_no_draft(at_present):
    at_present.status = TaskStatus.COMPLETED
    with pytest.raises(TaskNotOpen):
        drafts.save_draft(task=at_present, user=person("vanthu"), data={})


def test_the_forms_app_offers_what_the_rest_api_calls(at_present):
    assert registry.get("incoming_present")["ui"]["fields"]["presented_to"]["label"] == "Trình lãnh đạo"
    assert registry.get("nope") is None
    drafts.save_draft(task=at_present, user=person("vanthu"), data={"note": "x"})
    assert drafts.get_draft(task=at_present, user=person("vanthu")) == {"note": "x"}
    drafts.discard_draft(task=at_present, user=person("vanthu"))
    assert drafts.get_draft(task=at_present, user=person("vanthu")) is None
