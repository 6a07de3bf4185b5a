"""The audit log is hash-chained: edits, deletions and truncation are all reported."""

import pytest
from django.core.management import CommandError, call_command

from engine import audit, services
from engine.models import AuditEvent, ProcessInstance, Task

from .bpmn_helpers import rework_loop


@pytest.fixture
def finished_instance(deploy_bpmn, make_user):
    deploy_bpmn(rework_loop(), "rework_loop")
    user = make_user("staff1", "staff")
    instance = services.start("rework_loop", data={"i": 0, "n": 2}, actor=user)
    for i in (1, 2):
        services.complete(Task.objects.get(instance=instance, status="open"), data={"i": i}, actor=user)
    instance.refresh_from_db()
    assert instance.status == "completed" and instance.audit_seq >= 6
    return instance


def test_an_untouched_log_verifies(finished_instance):
    assert audit.verify() == []
    call_command("verify_audit")


def test_an_edited_event_is_reported(finished_instance):
    event = AuditEvent.objects.get(instance=finished_instance, action="task_completed", after={"i": 1})
    AuditEvent.objects.filter(pk=event.pk).update(after={"i": 99})

    problems = audit.verify()

    assert [(p.stream, p.seq) for p in problems] == [(finished_instance.audit_stream, event.seq)]
    assert "altered" in problems[0].message
    with pytest.raises(CommandError):
        call_command("verify_audit")


def test_an_edited_actor_is_reported(finished_instance, make_user):
    event = AuditEvent.objects.filter(instance=finished_instance, action="task_completed").first()
    AuditEvent.objects.filter(pk=event.pk).update(actor_name="someone_else")

    assert [p.seq for p in audit.verify()] == [event.seq]


def test_a_deleted_event_is_reported(finished_instance):
    victim = AuditEvent.objects.get(instance=finished_instance, seq=3)
    victim.delete()

    problems = audit.verify(finished_instance.audit_stream)

    assert any("missing" in p.message and p.seq == 3 for p in problems)
    assert any("link" in p.message and p.seq == 4 for p in problems)


def test_deleting_the_newest_events_is_reported(finished_instance):
    AuditEvent.objects.filter(instance=finished_instance, seq__gte=finished_instance.audit_seq - 1).delete()

    problems = audit.verify()

    assert len(problems) == 1 and "newest" in problems[0].message


def test_a_wholly_deleted_stream_is_reported(finished_instance):
    AuditEvent.objects.filter(instance=finished_instance).delete()

    [problem] = audit.verify()

    assert "all" in problem.message and problem.stream == finished_instance.audit_stream


def test_definition_streams_are_chained_too(deploy_bpmn):
    deploy_bpmn(rework_loop(), "rework_loop")
    deploy_bpmn(rework_loop().replace('name="Review"', 'name="Xem xét"'), "rework_loop")
    assert audit.verify("definition:rework_loop") == []

    AuditEvent.objects.filter(stream="definition:rework_loop", seq=1).update(before={"version": 0})

    assert [p.seq for p in audit.verify("definition:rework_loop")] == [1]


def test_events_cannot_be_deleted_with_their_instance(finished_instance):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        ProcessInstance.objects.filter(pk=finished_instance.pk).delete()
