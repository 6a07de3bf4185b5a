"""Racing callers: exactly one completes a task; the others get a conflict and nothing is doubled."""

import threading

import pytest
from django.db import connection
from SpiffWorkflow.util.task import TaskState

from engine import inspection, services, steps
from engine.exceptions import Conflict
from engine.models import AuditEvent, ProcessInstance, Task

from .bpmn_helpers import rework_loop


def race(task_id, user, n: int) -> list:
    """``n`` threads complete the same task at once; returns each outcome."""
    barrier = threading.Barrier(n)
    outcomes = [None] * n

    def run(i):
        try:
            barrier.wait(timeout=10)
            services.complete(task_id, data={"i": 1, "by": i}, actor=user)
            outcomes[i] = "ok"
        except Conflict as err:
            outcomes[i] = type(err).__name__
        except Exception as err:  # noqa: BLE001 - reported by the assertion below
            outcomes[i] = repr(err)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a completing thread hung"
    return outcomes


def check_exactly_one(n: int, deploy_bpmn, make_user):
    deploy_bpmn(rework_loop(), "rework_loop")
    user = make_user("staff1", "staff")
    instance = services.start("rework_loop", data={"i": 0, "n": 5}, actor=user)
    task = Task.objects.get(instance=instance, status="open")

    outcomes = race(task.pk, user, n)

    assert outcomes.count("ok") == 1, outcomes
    assert all(o in ("ok", "TaskNotOpen", "Conflict") for o in outcomes), outcomes
    instance.refresh_from_db()
    assert instance.revision == 2  # one stored transition
    assert AuditEvent.objects.filter(instance=instance, action="task_completed").count() == 1
    assert Task.objects.filter(instance=instance, status="open").count() == 1
    assert Task.objects.filter(instance=instance).count() == 2
    winner = AuditEvent.objects.get(instance=instance, action="task_completed").after["by"]
    assert inspection.workflow_of(instance).get_next_task(state=TaskState.READY, manual=True).data["by"] == winner


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_threads_on_postgresql(deploy_bpmn, make_user):
    check_exactly_one(20, deploy_bpmn, make_user)


@pytest.mark.django_db(transaction=True)
def test_five_threads_on_any_database(deploy_bpmn, make_user):
    """SQLite has no row locks: the IMMEDIATE transactions and the revision check carry it."""
    check_exactly_one(5, deploy_bpmn, make_user)


@pytest.mark.django_db(transaction=True)
def test_a_stale_revision_write_is_a_conflict(deploy_bpmn, make_user, monkeypatch):
    """Even if two steps ever got past the lock, the conditional write lets only one through."""
    deploy_bpmn(rework_loop(), "rework_loop")
    user = make_user("staff1", "staff")
    instance = services.start("rework_loop", data={"i": 0, "n": 5}, actor=user)
    task = Task.objects.get(instance=instance, status="open")
    real_lock = steps.lock

    def lock_then_someone_else_writes(instance_id):
        locked = real_lock(instance_id)
        ProcessInstance.objects.filter(pk=instance_id).update(revision=locked.revision + 1)
        return locked

    monkeypatch.setattr(steps, "lock", lock_then_someone_else_writes)

    with pytest.raises(Conflict):
        services.complete(task, data={"i": 1}, actor=user)
    assert Task.objects.get(pk=task.pk).status == "open"
    assert not AuditEvent.objects.filter(action="task_completed").exists()
