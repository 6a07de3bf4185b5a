"""What a process administrator can do to a running instance, each with a reason on record.

Suspend and resume, retry an incident, reassign a task, and move an instance to another version
of its definition. Every action is one locked step and one audit event naming the actor and the
reason; cancelling lives in ``engine.services``.
"""

import functools
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from . import audit, conf, grants, projection, state, steps
from .data import required_reason
from .exceptions import Conflict, InstanceNotRunning, InvalidData, TaskNotOpen
from .models import Incident, InstanceStatus, Job, JobStatus, ProcessDefinition, ProcessInstance, Task, TaskStatus
from .queueing import enqueue


def suspend(instance, *, actor, reason: str) -> ProcessInstance:
    """Stop the instance where it is: no completions, timers or jobs until it is resumed."""
    return _set_status(instance, actor, reason, InstanceStatus.RUNNING, InstanceStatus.SUSPENDED, "instance_suspended",
                       _("Only a running process can be suspended."))


def resume(instance, *, actor, reason: str) -> ProcessInstance:
    """Let a suspended instance go on; timers that fell due meanwhile fire at the next sweep."""
    return _set_status(instance, actor, reason, InstanceStatus.SUSPENDED, InstanceStatus.RUNNING, "instance_resumed",
                       _("Only a suspended process can be resumed."))


def _set_status(instance, actor, reason, expected, new, action, refusal) -> ProcessInstance:
    reason = required_reason(reason)
    with transaction.atomic():
        step = steps.locked(_pk(instance), actor=actor, now=timezone.now(), running=False)
        if step.instance.status != expected:
            raise InstanceNotRunning(refusal)
        step.instance.status = new
        step.entries.append(audit.Entry(action, actor=actor, before={"status": expected},
                                        after={"status": new, "reason": reason}))
        steps.write([step.plan()])
    return step.instance


def retry_incident(incident: Incident | int, *, actor, reason: str) -> Incident:
    """Give a failed job a fresh set of attempts, or let the timer sweep take the instance again."""
    reason = required_reason(reason)
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=getattr(incident, "pk", incident))
        if incident.resolved_at is not None:
            raise InvalidData(_("This incident has already been resolved."))
        instance = steps.lock(incident.instance_id)
        now = timezone.now()
        if incident.job_id:
            Job.objects.filter(pk=incident.job_id).update(  # attempt numbers go on: they name each try
                status=JobStatus.PENDING, max_attempts=F("attempts") + conf.get("JOB_MAX_ATTEMPTS"), run_after=now,
                locked_until=None)
            transaction.on_commit(functools.partial(enqueue, incident.job_id))
        else:
            instance.next_timer_at = now
        incident.resolved_at, incident.resolved_by = now, actor if getattr(actor, "pk", None) else None
        incident.save(update_fields=["resolved_at", "resolved_by"])
        audit.append(instance, [audit.Entry("incident_retried", actor=actor, element=incident.element, after={
            "incident": incident.pk, "kind": incident.kind, "reason": reason})], at=now)
        ProcessInstance.objects.filter(pk=instance.pk).update(next_timer_at=instance.next_timer_at)
    return incident


def reassign(task: Task, *, assignee, actor, reason: str) -> Task:
    """Give an open task to someone else (``assignee``: a user, or None for the whole role)."""
    reason = required_reason(reason)
    with transaction.atomic():
        instance = steps.lock(task.instance_id)
        row = Task.objects.select_for_update().get(pk=task.pk)
        if row.status != TaskStatus.OPEN:
            raise TaskNotOpen()
        if assignee is not None and not get_user_model().objects.filter(pk=assignee.pk, is_active=True).exists():
            raise InvalidData(_("This user cannot be assigned tasks."), errors={"assignee": [_("Inactive user.")]})
        before = audit.person(row.assignee) if row.assignee_id else None
        grants.revoke_for_closed([row.pk])  # the task leaves its former assignee
        row.assignee = assignee
        row.save(update_fields=["assignee"])
        if assignee is not None:
            grants.grant(row, assignee.pk)
        audit.append(instance, [audit.Entry("task_reassigned", actor=actor, task_id=row.pk, element=row.bpmn_id,
                                            before={"assignee": before},
                                            after={"assignee": audit.person(assignee), "reason": reason})])
    return row


@dataclass(frozen=True)
class MigrationProblem:
    element: str
    message: str


class MigrationRefused(Conflict):
    code = "migration_refused"
    default_message = gettext_lazy("The instance cannot move to this version.")  # read in the caller's language

    def __init__(self, problems: list[MigrationProblem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.element}: {p.message}" for p in problems), problems=[
            {"element": p.element, "message": p.message} for p in problems])


def migrate(instance, *, to: ProcessDefinition, actor, reason: str) -> ProcessInstance:
    """Move a running or suspended instance to another version of its definition.

    Refused, with one reason per element, when an active step (a task that is ready, waiting or
    started, or an active subprocess) has no counterpart in the target version. Finished history
    whose element disappeared is dropped (it is in the audit log).
    """
    reason = required_reason(reason)
    with transaction.atomic():
        step = steps.locked(_pk(instance), actor=actor, now=timezone.now(), running=False)
        current = step.instance
        if current.status not in (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED):
            raise InstanceNotRunning()
        source = ProcessDefinition.objects.defer("files").get(pk=current.definition_id)
        if to.key != source.key or to.pk == source.pk:
            raise InvalidData(_("Choose another version of the same process."))
        target = steps.info_of(to)
        workflow = step.workflow
        top, subs = diff_workflow(state.REGISTRY, workflow, target.spec, target.subprocess_specs)
        problems = _migration_problems(workflow, top, subs)
        if problems:
            raise MigrationRefused(problems)
        migrate_workflow(top, workflow, target.spec)
        for sp_id, diff in subs.items():
            subprocess = workflow.subprocesses[sp_id]
            migrate_workflow(diff, subprocess, target.subprocess_specs[subprocess.spec.name])
        workflow.subprocess_specs = target.subprocess_specs
        for container in (workflow, *workflow.subprocesses.values()):
            _drop_orphaned_history(container)
        step.info = target
        current.definition_id = to.pk
        _refresh_open_rows(step, target)
        step.entries.append(audit.Entry("instance_migrated", actor=actor, before={"version": source.version},
                                        after={"version": to.version, "reason": reason}))
        steps.write([step.plan()])
    return current


def _migration_problems(workflow, top, subs) -> list[MigrationProblem]:
    problems = []
    active = TaskState.READY | TaskState.WAITING | TaskState.STARTED
    for task in top.removed:
        if task.state & active:
            problems.append(MigrationProblem(task.task_spec.bpmn_id or task.task_spec.name, _(
                "This active step has no counterpart in the target version.")))
    for task in top.changed:
        if task.state & TaskState.STARTED:
            problems.append(MigrationProblem(task.task_spec.bpmn_id or task.task_spec.name, _(
                "This step is running (a job or a subprocess) and was changed in the target version.")))
    for sp_id, diff in subs.items():
        subprocess = workflow.subprocesses[sp_id]
        if diff is None:
            if not subprocess.completed:
                problems.append(MigrationProblem(subprocess.spec.name, _(
                    "This running subprocess does not exist in the target version.")))
            continue
        for task in diff.removed:
            if task.state & active:
                problems.append(MigrationProblem(task.task_spec.bpmn_id or task.task_spec.name, _(
                    "This active step has no counterpart in the target version.")))
    return problems


def _drop_orphaned_history(workflow) -> None:
    """Splice out finished tasks whose element the new version no longer has."""
    for task in list(workflow.tasks.values()):
        if task.task_spec.name in workflow.spec.task_specs or task.parent is None:
            continue
        if task.state & TaskState.NOT_FINISHED_MASK:
            continue
        parent = task.parent
        position = parent._children.index(task.id)
        parent._children[position:position + 1] = task._children
        for child in task.children:
            child._parent = parent.id
        del workflow.tasks[task.id]


def _refresh_open_rows(step: steps.Step, target) -> None:
    """Open task rows keep their ids; give them the new version's names, roles and forms."""
    ready = state.ready_human_tasks(step.workflow)
    fresh = {row.pk: row for row in projection.new_rows(target.task_meta, ready.values(), step.instance, step.now)}
    rows = list(Task.objects.filter(pk__in=fresh, status=TaskStatus.OPEN))
    for row in rows:
        new = fresh[row.pk]
        row.bpmn_id, row.name, row.lane, row.candidate_group, row.form_key = (
            new.bpmn_id, new.name, new.lane, new.candidate_group, new.form_key)
    Task.objects.bulk_update(rows, ["bpmn_id", "name", "lane", "candidate_group", "form_key"])


def _pk(instance):
    return instance.pk if isinstance(instance, ProcessInstance) else instance
