# ruff: noqa: F811 - the shared fixture `decision` is imported by name and then used as a test argument
"""A signing step is completed only by signing it, whoever calls the engine: ``engine.services.complete``
called directly (a script, a Celery job, another app) with made-up signature data is refused by the
completion guard signing registers with the engine (``engine.guards``), before the step runs, so the
task stays open, the data unchanged and no completion is on record; the real signing path
(``signing.steps.sign_step``) still completes it, and other tasks are completed as before."""

import pytest
from django.contrib.auth.models import User

from engine import guards, inspection, services
from engine.models import AuditEvent, InstanceStatus, ProcessInstance, Task, TaskStatus
from signing import documents, steps
from signing.models import FileKind
from signing.sign import sign_as_person
from signing.steps import SignatureRequired
from tests.signing import conftest as signing_fixtures
from tests.signing.decision import decision  # noqa: F401 - a fixture

pki, key_dir, signing_settings = signing_fixtures.pki, signing_fixtures.key_dir, signing_fixtures.signing_settings
trusted, register, state_document = signing_fixtures.trusted, signing_fixtures.register, signing_fixtures.state_document
P12_PASSWORD = signing_fixtures.P12_PASSWORD


def open_task(instance, bpmn_id: str) -> Task:
    return Task.objects.get(instance=instance, status=TaskStatus.OPEN, bpmn_id=bpmn_id)


def data_of(instance) -> dict:
    return inspection.data_of(ProcessInstance.objects.get(pk=instance.pk))


def completions(instance) -> int:
    return AuditEvent.objects.filter(instance=instance, action="task_completed").count()


def test_the_guard_is_registered_with_the_engine():
    assert steps.guard_completion in guards._completion_guards


@pytest.mark.parametrize("made_up", ["forged", "empty", "file_only"])
def test_a_direct_completion_of_a_signing_step_is_refused_and_changes_nothing(decision, made_up):
    instance, approved = decision()
    task = open_task(instance, "sign_person")
    chairman = User.objects.get(username="chutich")
    before, events = data_of(instance), AuditEvent.objects.filter(instance=instance).count()
    data = {"forged": {"file_id": str(approved.pk),
                       "person_signature": {"ok": True, "file_id": str(approved.pk), "level": "B-LT"}},
            "empty": {},
            "file_only": {"file_id": str(approved.pk)}}[made_up]

    with pytest.raises(SignatureRequired) as refused:
        services.complete(task, data=data, actor=chairman)

    assert refused.value.code == "signature_required" and refused.value.status == 422
    assert "được hoàn thành bằng cách ký số văn bản" in refused.value.message
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN
    assert data_of(instance) == before and "person_signature" not in data_of(instance)
    assert completions(instance) == 0
    assert AuditEvent.objects.filter(instance=instance).count() == events  # the step rolled back whole
    assert ProcessInstance.objects.get(pk=instance.pk).revision == instance.revision


def test_a_real_signature_stored_by_hand_does_not_open_the_step_either(decision):
    """A version signed with the right key but completed around ``signing.steps``: still refused."""
    instance, approved = decision()
    task = open_task(instance, "sign_person")
    chairman = User.objects.get(username="chutich")
    signed = sign_as_person(pdf=approved.content, certificate=decision.keys["person"],
                            approved_sha256=approved.sha256, secret=P12_PASSWORD)
    row = documents.store(signed.pdf, kind=FileKind.PERSON_SIGNED, parent=approved,
                          certificate=decision.keys["person"], instance_id=instance.pk, created_by=chairman)

    with pytest.raises(SignatureRequired):
        services.complete(task, data={"file_id": str(row.pk), "person_signature": {"ok": True}}, actor=chairman)

    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN and completions(instance) == 0


def test_the_permission_of_the_signing_path_is_for_its_own_task_file_and_data_only(decision):
    instance, approved = decision()
    other, _ = decision()
    task, elsewhere = open_task(instance, "sign_person"), open_task(other, "sign_person")
    chairman = User.objects.get(username="chutich")
    allowed = steps._signed_completion.set((task.pk, str(approved.pk)))
    try:
        with pytest.raises(SignatureRequired):  # another task
            services.complete(elsewhere, data={"file_id": str(approved.pk)}, actor=chairman)
        with pytest.raises(SignatureRequired):  # another file
            services.complete(task, data={"file_id": "00000000-0000-0000-0000-000000000000"}, actor=chairman)
        with pytest.raises(SignatureRequired):  # more than the signature
            services.complete(task, data={"file_id": str(approved.pk), "approved_sha256": "0" * 64}, actor=chairman)
    finally:
        steps._signed_completion.reset(allowed)
    assert steps._signed_completion.get() is None
    assert completions(instance) == completions(other) == 0


def test_the_signing_path_completes_and_other_tasks_complete_as_before(decision):
    instance, approved = decision()
    chairman, clerk = User.objects.get(username="chutich"), User.objects.get(username="vanthuubnd")

    person = steps.sign_step(chairman, open_task(instance, "sign_person"), certificate=decision.keys["person"],
                             secret=P12_PASSWORD)
    sealed = steps.sign_step(clerk, open_task(instance, "seal"), certificate=decision.keys["seal"], secret=None)

    assert person.file.parent_id == approved.pk and sealed.file.parent_id == person.file.pk
    assert data_of(instance)["file_id"] == str(sealed.file.pk) and data_of(instance)["organisation_signature"]["ok"]
    assert completions(instance) == 2 and steps._signed_completion.get() is None
    # a task that is not a signing step: completed directly, as any other
    services.complete(open_task(instance, "issue"), data={"note": "phát hành"}, actor=clerk)
    assert ProcessInstance.objects.get(pk=instance.pk).status == InstanceStatus.COMPLETED
