"""The engine's public API for people: deploy, start, complete, cancel.

A step is one transaction: lock the instance row, check the task is still open and the actor
may complete it, run SpiffWorkflow to the next wait state, store the state with
``revision + 1`` (conditional on the revision read, which also guards SQLite), update the task
projection and append audit events; side effects run only after commit. A failed step leaves
the stored state untouched; a script the sandbox stopped leaves an audit event.

Who may start and complete is asked of the ``START_AUTHORIZER`` and ``TASK_AUTHORIZER`` hooks
(``engine.access`` by default). Timers (``engine.timers``), messages (``engine.messaging``),
background jobs (``engine.jobs``) and administrators' repairs (``engine.repair``) go through the
same unit of work (``engine.steps``); reading an instance is ``engine.inspection``.
"""

import copy
import functools
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import access, audit, conf, correlation, definitions, grants, guards, handlers, rows, state, steps, waits
from .data import checked_data, required_reason
from .exceptions import (
    Conflict,
    DefinitionNotFound,
    DeployProblem,
    InstanceNotRunning,
    InvalidData,
    NotAllowed,
    TaskNotOpen,
)
from .failures import recording_failures
from .models import InstanceStatus, ProcessDefinition, ProcessInstance, Task, TaskStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deployment:
    definition: ProcessDefinition
    created: bool
    #: Accepted, but worth the deployer's attention (file, line, element, message), e.g. a gateway
    #: condition on a variable nothing in the process may set. Given again on an unchanged redeploy.
    warnings: tuple[DeployProblem, ...] = ()


# --- Definitions -----------------------------------------------------------------------------


def deploy(files: Mapping[str, bytes | str], *, actor=None) -> list[Deployment]:
    """Check and store a bundle of BPMN/DMN files; one new version per process whose content changed.

    Raises ``DeploymentError`` with every problem (file, line, element id, message); what was
    accepted but deserves a look comes back as each ``Deployment``'s ``warnings``.
    """
    bundle = definitions.parse_bundle(files)
    results = []
    try:
        with transaction.atomic():
            for key, info in bundle.processes.items():
                latest = (ProcessDefinition.objects.select_for_update().filter(key=key)
                          .only("id", "key", "version", "content_hash").order_by("-version").first())
                warnings = tuple(info.warnings)
                if latest is not None and latest.content_hash == info.content_hash:
                    results.append(Deployment(latest, created=False, warnings=warnings))
                    continue
                definition = ProcessDefinition.objects.create(
                    key=key, version=(latest.version + 1) if latest else 1, name=info.name[:300],
                    content_hash=info.content_hash, files=info.files, task_meta=info.task_meta,
                    deployed_by=_user(actor),
                )
                audit.append(f"definition:{key}", [audit.Entry(
                    "definition_deployed", actor=actor,
                    before={"version": latest.version, "content_hash": latest.content_hash} if latest else None,
                    after={"version": definition.version, "content_hash": definition.content_hash,
                           "files": sorted(info.files)},
                )])
                transaction.on_commit(functools.partial(definitions.remember, definition, info))
                results.append(Deployment(definition, created=True, warnings=warnings))
                if definitions.starts_on_timer(info):
                    _schedule(definition, actor)
    except IntegrityError as err:  # a concurrent deploy of the same key took the version number
        raise Conflict(_("Another deployment of this process happened at the same time; try again.")) from err
    return results


def _schedule(definition: ProcessDefinition, actor) -> None:
    """A process with a timer start event gets one instance waiting on that timer; a new version
    replaces the previous version's waiting instance if its timer has not fired yet."""
    marker = f"schedule:{definition.key}"
    for previous in ProcessInstance.objects.filter(business_key=marker, status=InstanceStatus.RUNNING).exclude(
            definition=definition).only("pk"):
        if not Task.objects.filter(instance_id=previous.pk).exists() and _waiting_on_start_timer(previous):
            cancel(previous, actor=actor, reason=f"v{definition.version} deployed")
    start(definition.key, definition=definition, actor=actor, business_key=marker)


def _waiting_on_start_timer(instance: ProcessInstance) -> bool:
    info = steps.info_of(instance.definition_id)
    stored = ProcessInstance.objects.values_list("state", flat=True).get(pk=instance.pk)
    return waits.waiting_on_start_timer(state.load(info.spec, info.subprocess_specs, stored))


def latest_definition(key: str) -> ProcessDefinition:
    definition = ProcessDefinition.objects.filter(key=key).defer("files").order_by("-version").first()
    if definition is None:
        raise DefinitionNotFound(_("No process '%(key)s' has been deployed.") % {"key": key})
    return definition


# --- Instances -------------------------------------------------------------------------------


def start(key: str, *, data: dict | None = None, actor=None, business_key: str = "", body: str = "",
          subject: str = "", definition: ProcessDefinition | None = None, message=None) -> ProcessInstance:
    """Start the latest version of process ``key`` (or ``definition``) in the owning ``body`` and
    run it to its first wait state; with ``message`` (from ``engine.messaging``), hand it to the
    start event waiting for it.

    A person starts it in ``body``, by default where they hold a role that may start it
    (``engine.access.owning_body``). Raises ``NotAllowed`` when they may not start it there
    (``START_AUTHORIZER``), and ``InvalidData`` when no body is named or known, or when nobody in the
    body holds the role of a first task (an instance nobody could work). A start by a message was
    allowed when the message was accepted; ``actor=None`` is the engine's own start (a timer).
    """
    definition = definition or latest_definition(key)
    by_person = message is None and _user(actor) is not None
    if by_person:
        body = body or access.owning_body(actor, definition)
        if not conf.hook("START_AUTHORIZER")(actor, definition, body):
            raise NotAllowed(_("You may not start this process."))
        if not body and access.start_roles(definition) and not access.holds_anywhere(actor, access.start_roles(
                definition)):
            raise InvalidData(_("Name the body this process belongs to: you hold no role that starts it."),
                              errors={"body": [_("Required.")]})
    info = steps.info_of(definition)
    data = checked_data(data)
    now = timezone.now()  # one reading: started_at, the first tasks and an immediate end agree
    instance = ProcessInstance(
        id=uuid.uuid4(), definition=definition, business_key=business_key[:200], body=body[:100],
        subject=subject[:500], started_by=_user(actor), started_at=now, revision=0,
    )
    step = steps.Step(instance, info, state.new_workflow(info.spec, info.subprocess_specs, data), actor=actor,
                      now=now, insert=True)
    step.entries.append(audit.Entry("instance_started", actor=actor, after={
        "definition": definition.key, "version": definition.version, "business_key": business_key, "data": data}))
    with recording_failures(instance.pk, actor, new_instance=True), transaction.atomic():
        step.run()
        if message is not None:
            _start_by_message(step, message)
        plan = step.plan()
        if by_person:
            _refuse_unworkable(plan.new_tasks, body)
        steps.write([plan])
    return instance


def _refuse_unworkable(tasks: list[Task], body: str) -> None:
    """An instance whose first tasks nobody in its body can take would wait for ever, unseen."""
    holders = conf.hook("ROLE_HOLDERS")
    for row in tasks:
        if row.assignee_id is None and row.candidate_group and not holders(row.candidate_group, body):
            where = body or _("any body")
            raise InvalidData(
                _("Nobody in %(body)s holds the role %(role)s, so nobody could do the first task, %(task)s.")
                % {"body": where, "role": row.candidate_group, "task": row.name},
                errors={"body": [_("Nobody here holds the role %(role)s.") % {"role": row.candidate_group}]})


def _start_by_message(step: steps.Step, message) -> None:
    waiting = [t for t in waits.waiting_messages(step.workflow).values()
               if t.task_spec.event_definition.name == message.name]
    if not waiting or not correlation.into_step(step, waiting[0], message):
        raise InvalidData(_("The process does not start on the message '%(name)s'.") % {"name": message.name})
    step.run()


@dataclass(frozen=True)
class Completion:
    """What a completion stored, so that its caller can answer without reading it back: the task
    as closed, the instance, the task rows the step opened, and the ids of tasks that earlier steps
    opened and that are still open (parallel branches; not loaded). The rows carry their instance,
    its definition's key and, where known without a query, their assignee."""

    task: Task
    instance: ProcessInstance
    opened: list[Task]
    still_open: list[uuid.UUID]


def complete(task: Task | uuid.UUID | str, *, data: dict | None = None, actor) -> Completion:
    """Complete an open user task with the submitted data, as ``actor``.

    Raises ``TaskNotOpen`` (a conflict) when someone else completed it first, ``NotAllowed`` when
    the actor may not complete it, ``InvalidData`` for refused data, ``ScriptError`` when a script
    of the process failed (the step is then not stored).
    """
    task_id = task.pk if isinstance(task, Task) else uuid.UUID(str(task))
    instance_id = task.instance_id if isinstance(task, Task) else _instance_of(task_id)
    data = checked_data(data)
    with recording_failures(instance_id, actor), transaction.atomic():
        instance = steps.lock(instance_id)
        row = rows.read_task(task_id)
        if row is None or row.status != TaskStatus.OPEN or instance.status != InstanceStatus.RUNNING:
            if instance.status == InstanceStatus.SUSPENDED and row is not None and row.status == TaskStatus.OPEN:
                raise InstanceNotRunning(_("This process is suspended; its tasks cannot be completed now."))
            raise TaskNotOpen()
        if not conf.hook("TASK_AUTHORIZER")(actor, row):
            raise NotAllowed(_("You may not complete this task."))
        guards.check_completion(row, instance, data, actor)  # e.g. a signing step: only by signing it
        step = steps.Step.load(instance, actor=actor, now=timezone.now())
        spiff_task = step.before_tasks.get(row.pk)
        if spiff_task is None:
            raise TaskNotOpen()
        _check_separation_of_duties(step, row, spiff_task, actor)
        validate = conf.hook("FORM_VALIDATOR")
        if validate:
            validate(row, data)
        replaced = {key: spiff_task.data.get(key) for key in data}
        spiff_task.data.update(data)
        step.completed[row.pk] = actor
        if row.assignee_id:
            step.assigned_completed[row.pk] = row.assignee_id
        step.entries.append(audit.Entry("task_completed", actor=actor, task_id=row.pk, element=row.bpmn_id,
                                        before=replaced, after=data))
        step.run(first=spiff_task)
        plan = step.plan()
        steps.write([plan])
    row.status, row.completed_at, row.completed_by_id = TaskStatus.COMPLETED, plan.now, actor.pk
    _attach_known(instance, [row, *plan.new_tasks], key=step.info.key, user=actor)
    return Completion(task=row, instance=instance, opened=plan.new_tasks, still_open=plan.still_open)


def _attach_known(instance: ProcessInstance, tasks: list[Task], *, key: str, user) -> None:
    """Set the relations a task's description reads (instance, definition key, assignee) from what
    the step already holds. The definition is a deferred instance with only id and key loaded, as
    ``.only()`` would give: any other field is read on first use, never made up."""
    instance.definition = ProcessDefinition.from_db(instance._state.db, ["id", "key"], [instance.definition_id, key])
    for task in tasks:
        task.instance = instance
        if task.assignee_id is not None and task.assignee_id == user.pk:
            task.assignee = user


def cancel(instance: ProcessInstance | uuid.UUID | str, *, actor, reason: str) -> ProcessInstance:
    """Cancel a running or suspended instance; its open tasks are closed. The reason is audited."""
    reason = required_reason(reason)
    with transaction.atomic():
        step = steps.locked(_id_of(instance), actor=actor, now=timezone.now(), running=False)
        if step.instance.status not in (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED):
            raise InstanceNotRunning()
        step.workflow.cancel()
        step.instance.status = InstanceStatus.CANCELLED
        step.instance.ended_at = step.now
        step.entries.append(audit.Entry("instance_cancelled", actor=actor, after={"reason": reason}))
        steps.write([step.plan()])
        handlers.cancelled(step.instance, actor=actor, reason=reason)
    return step.instance


def claim(task: Task, *, actor) -> Task:
    """Take an open task offered to one's role, so that colleagues see it is being handled."""
    return _set_assignee(task, actor, claim=True)


def unclaim(task: Task, *, actor) -> Task:
    """Give a claimed task back to the role."""
    return _set_assignee(task, actor, claim=False)


def _set_assignee(task: Task, actor, *, claim: bool) -> Task:
    with transaction.atomic():
        instance = steps.lock(task.instance_id)
        row = Task.objects.get(pk=task.pk)
        if row.status != TaskStatus.OPEN or instance.status != InstanceStatus.RUNNING:
            raise TaskNotOpen()
        if claim:
            if row.assignee_id == actor.pk:
                return row
            offered = copy.copy(row)
            offered.assignee_id = None
            if not row.candidate_group or not conf.hook("TASK_AUTHORIZER")(actor, offered):
                raise NotAllowed(_("This task is not offered to your role."))
            if row.assignee_id is not None:
                raise Conflict(_("Someone else has already taken this task."))
            row.assignee = actor
        else:
            if row.assignee_id != actor.pk or not row.candidate_group:
                raise NotAllowed(_("Only the person holding a task offered to a role can give it back."))
            grants.revoke_for_closed([row.pk])
            row.assignee = None
        row.save(update_fields=["assignee"])
        if claim:
            grants.grant(row, actor.pk)
        audit.append(instance, [audit.Entry("task_claimed" if claim else "task_unclaimed", actor=actor,
                                            task_id=row.pk, element=row.bpmn_id)])
    return row


# --- Helpers shared by the other entry points ----------------------------------------------


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _id_of(instance) -> uuid.UUID:
    return instance.pk if isinstance(instance, ProcessInstance) else uuid.UUID(str(instance))


def _instance_of(task_id) -> uuid.UUID:
    instance_id = Task.objects.filter(pk=task_id).values_list("instance_id", flat=True).first()
    if instance_id is None:
        raise TaskNotOpen(_("This task does not exist."))
    return instance_id


def _check_separation_of_duties(step: steps.Step, row: Task, spiff_task, actor) -> None:
    """``notCompletedBy``: this task may not be completed by whoever completed the named tasks."""
    declared = (spiff_task.task_spec.extensions.get("properties") or {}).get("notCompletedBy", "")
    others = [name.strip() for name in declared.split(",") if name.strip()]
    if others and Task.objects.filter(instance_id=row.instance_id, bpmn_id__in=others, status=TaskStatus.COMPLETED,
                                      completed_by_id=getattr(actor, "pk", None)).exists():
        raise NotAllowed(_("Separation of duties: you completed an earlier step of this process that must be "
                           "done by someone else (%(steps)s).") % {"steps": ", ".join(others)})
