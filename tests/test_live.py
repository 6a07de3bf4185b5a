"""Workflows kept alive between steps (engine.live): the same results as reloading every step, and
never a stale or half-run workflow."""

import pytest

from engine import live, services, state
from engine.exceptions import InvalidData
from engine.models import ProcessInstance, Task, TaskStatus

STEPS = [
    ({"valid": True}, "vanthu"),
    ({"urgency": "khan", "organ_name": "Tỉnh ủy", "subject": "Công văn"}, "vanthu"),
    ({"presented_to": "bithu"}, "vanthu"),
    ({"lead_handler": "cv", "deadline": "2030-12-06"}, "bithu"),
    ({"outcome": "reassign", "reassign_reason": "Không thuộc lĩnh vực"}, "cv"),
    ({"lead_handler": "cv2", "deadline": "2030-12-09"}, "bithu"),
    ({"outcome": "done"}, "cv2"),
    ({"report": "Đã xử lý"}, "cv2"),
    ({"conclusion": "Xong"}, "bithu"),
]


@pytest.fixture
def people(make_user, catalog_deployed, party_office):
    return {"vanthu": make_user("vanthu", "van_thu"), "bithu": make_user("bithu", "lanh_dao"),
            "cv": make_user("cv", "chuyen_vien"), "cv2": make_user("cv2", "chuyen_vien")}


def stable(data: dict) -> dict:
    """Process data without what differs between two documents: their record and arrival number."""
    volatile = {"document_id", "arrival_number", "arrived_at", "receipt", "registration"}
    return {key: value for key, value in data.items() if key not in volatile}


def open_task(instance_id) -> Task:
    return Task.objects.get(instance_id=instance_id, status=TaskStatus.OPEN)


def run_through(people, settings, monkeypatch, size: int):
    """Start and finish one document, each step in its own committed transaction; count how many
    steps had to deserialize the stored state."""
    settings.ENGINE = {**settings.ENGINE, "LIVE_WORKFLOWS": size}
    loads = []
    original = state.load
    monkeypatch.setattr(state, "load", lambda *args: loads.append(1) or original(*args))
    instance = services.start("incoming_document", actor=people["vanthu"], body="dang_uy_xa",
                              data={"subject": "Công văn"})
    for data, who in STEPS:
        services.complete(open_task(instance.pk), data=data, actor=people[who])
    monkeypatch.setattr(state, "load", original)
    instance.refresh_from_db()
    return instance, len(loads)


@pytest.mark.django_db(transaction=True)
def test_a_live_workflow_gives_the_same_process_as_reloading(people, settings, monkeypatch):
    reloaded, loads_off = run_through(people, settings, monkeypatch, size=0)
    kept, loads_on = run_through(people, settings, monkeypatch, size=256)
    assert (loads_off, loads_on) == (len(STEPS), 0)  # every step reloaded / none did
    assert kept.status == reloaded.status == "completed"
    assert stable(state.as_dict(kept.state)["data"]) == stable(state.as_dict(reloaded.state)["data"])
    assert (list(kept.tasks.order_by("created_at").values_list("bpmn_id", "status"))
            == list(reloaded.tasks.order_by("created_at").values_list("bpmn_id", "status")))


@pytest.mark.django_db(transaction=True)
def test_steps_run_on_the_kept_workflow_and_match_what_is_stored(people, settings):
    settings.ENGINE = {**settings.ENGINE, "LIVE_WORKFLOWS": 256}
    instance = services.start("incoming_document", actor=people["vanthu"], body="dang_uy_xa",
                              data={"subject": "Công văn"})
    for data, who in STEPS[:4]:
        services.complete(open_task(instance.pk), data=data, actor=people[who])
        row = ProcessInstance.objects.get(pk=instance.pk)
        kept = live.take(row.pk, row.revision, row.definition_id)
        assert kept is not None
        assert state.dump(kept) == bytes(row.state)  # exactly the stored state
        live.keep(row.pk, row.revision, row.definition_id, kept)


@pytest.mark.django_db(transaction=True)
def test_a_step_elsewhere_makes_the_kept_workflow_stale(people, settings):
    settings.ENGINE = {**settings.ENGINE, "LIVE_WORKFLOWS": 256}
    instance = services.start("incoming_document", actor=people["vanthu"], body="dang_uy_xa",
                              data={"subject": "Công văn"})
    row = ProcessInstance.objects.get(pk=instance.pk)
    stale = live.take(row.pk, row.revision, row.definition_id)
    services.complete(open_task(instance.pk), data={"valid": True}, actor=people["vanthu"])
    # another process ran that step: this one still holds the workflow of the revision before
    live.clear()
    live.keep(row.pk, row.revision, row.definition_id, stale)
    services.complete(open_task(instance.pk), data=STEPS[1][0], actor=people["vanthu"])
    assert open_task(instance.pk).bpmn_id == "present"  # not "register" again from the stale copy


@pytest.mark.django_db(transaction=True)
def test_a_failed_step_leaves_nothing_behind(people, settings):
    settings.ENGINE = {**settings.ENGINE, "LIVE_WORKFLOWS": 256}
    instance = services.start("incoming_document", actor=people["vanthu"], body="dang_uy_xa",
                              data={"subject": "Công văn"})
    services.complete(open_task(instance.pk), data={"valid": True}, actor=people["vanthu"])
    with pytest.raises(InvalidData):
        services.complete(open_task(instance.pk), data={"urgency": "không rõ"}, actor=people["vanthu"])
    row = ProcessInstance.objects.get(pk=instance.pk)
    assert live.take(row.pk, row.revision, row.definition_id) is None  # taken by the failed step, not put back
    services.complete(open_task(instance.pk), data=STEPS[1][0], actor=people["vanthu"])
    assert open_task(instance.pk).bpmn_id == "present"


def test_only_as_many_as_configured_are_kept(settings):
    settings.ENGINE = {**settings.ENGINE, "LIVE_WORKFLOWS": 2}
    for n in range(3):
        live.keep(n, 1, 1, object())
    assert live.take(0, 1, 1) is None and live.take(1, 1, 1) is not None and live.take(2, 1, 1) is not None
    live.keep(5, 1, 1, object())
    assert live.take(5, 2, 1) is None  # another revision
    live.keep(5, 1, 1, object())
    assert live.take(5, 1, 2) is None  # another definition (migrated)
