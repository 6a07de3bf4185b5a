"""The engine's public API for people: deploy, start, complete, cancel.

A step is one transaction: lock the instance row, check the task is still open and the actor
may complete it, run SpiffWorkflow to the next wait state, store the state with
``revision + 1`` (conditional on the revision read, which also guards SQLite), update the task
projection and append audit events; side effects run only after commit. A failed step leaves
the stored state untouched; a script the sandbox stopped leaves an audit event.

Timers (``engine.timers``), messages (``engine.messaging``), background jobs (``engine.jobs``)
and administrators' repairs (``engine.repair``) go through the same unit of work
(``engine.steps``).
"""

import copy
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from SpiffWorkflow.exceptions import SpiffWorkflowException

from . import audit, conf, definitions, grants, rows, sandbox, state, steps
from .exceptions import (
    Conflict,
    DefinitionNotFound,
    EngineError,
    EngineInvariantError,
    InstanceNotRunning,
    InvalidData,
    NotAllowed,
    SandboxViolation,
    ScriptError,
    TaskNotOpen,
)
from .models import AuditEvent, InstanceStatus, ProcessDefinition, ProcessInstance, Task, TaskStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deployment:
    definition: ProcessDefinition
    created: bool


# --- Definitions -----------------------------------------------------------------------------


def deploy(files: dict[str, bytes | str], *, actor=None) -> list[Deployment]:
    """Check and store a bundle of BPMN/DMN files; one new version per process whose content changed.

    Raises ``DeploymentError`` with every problem (file, line, element id, message).
    """
    bundle = definitions.parse_bundle(files)
    results = []
    try:
        with transaction.atomic():
            for key, info in bundle.processes.items():
                latest = (ProcessDefinition.objects.select_for_update().filter(key=key)
                          .only("id", "key", "version", "content_hash").order_by("-version").first())
                if latest is not None and latest.content_hash == info.content_hash:
                    results.append(Deployment(latest, created=False))
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
                transaction.on_commit(lambda d=definition, i=info: definitions.remember(d, i))
                results.append(Deployment(definition, created=True))
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
        if not Task.objects.filter(instance_id=previous.pk).exists() and steps.waiting_start_timer(previous):
            cancel(previous, actor=actor, reason=f"v{definition.version} deployed")
    start(definition.key, definition=definition, actor=actor, business_key=marker)


def latest_definition(key: str) -> ProcessDefinition:
    definition = ProcessDefinition.objects.filter(key=key).defer("files").order_by("-version").first()
    if definition is None:
        raise DefinitionNotFound(_("No process '%(key)s' has been deployed.") % {"key": key})
    return definition


# --- Instances -------------------------------------------------------------------------------


def start(key: str, *, data: dict | None = None, actor=None, business_key: str = "", body: str = "",
          subject: str = "", definition: ProcessDefinition | None = None, message=None) -> ProcessInstance:
    """Start the latest version of process ``key`` (or ``definition``) and run it to its first wait
    state; with ``message`` (from ``engine.messaging``), hand it to the start event waiting for it."""
    definition = definition or latest_definition(key)
    info = steps.info_of(definition)
    data = checked_data(data)
    instance = ProcessInstance(
        id=uuid.uuid4(), definition=definition, business_key=business_key[:200], body=body[:100],
        subject=subject[:200], started_by=_user(actor), revision=0, serializer_version=state.SERIALIZER_VERSION,
    )
    now = timezone.now()
    step = steps.Step(instance, info, state.new_workflow(info.spec, info.subprocess_specs, data), actor=actor,
                      now=now, insert=True)
    step.entries.append(audit.Entry("instance_started", actor=actor, after={
        "definition": definition.key, "version": definition.version, "business_key": business_key, "data": data}))
    with recording_failures(instance, actor, new_instance=True):
        with transaction.atomic():
            step.run()
            if message is not None:
                _start_by_message(step, message)
            steps.write([step.plan()])
    return instance


def _start_by_message(step: steps.Step, message) -> None:
    from .messaging import into_step

    waiting = [t for t in steps.waiting_messages(step.workflow).values()
               if t.task_spec.event_definition.name == message.name]
    if not waiting or not into_step(step, waiting[0], message):
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
    with recording_failures(ProcessInstance(pk=instance_id), actor):
        with transaction.atomic():
            instance = steps.lock(instance_id)
            row = rows.read_task(task_id)
            if row is None or row.status != TaskStatus.OPEN or instance.status != InstanceStatus.RUNNING:
                if instance.status == InstanceStatus.SUSPENDED and row is not None and row.status == TaskStatus.OPEN:
                    raise InstanceNotRunning(_("This process is suspended; its tasks cannot be completed now."))
                raise TaskNotOpen()
            if not authorizer()(actor, row):
                raise NotAllowed(_("You may not complete this task."))
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
            if not row.candidate_group or not authorizer()(actor, offered):
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
        events = audit.chain_for_instance(instance, [audit.Entry(
            "task_claimed" if claim else "task_unclaimed", actor=actor, task_id=row.pk, element=row.bpmn_id)],
            timezone.now())
        ProcessInstance.objects.filter(pk=instance.pk).update(audit_seq=instance.audit_seq,
                                                              audit_head=instance.audit_head)
        AuditEvent.objects.bulk_create(events)
    return row


def workflow_of(instance: ProcessInstance):
    """The live SpiffWorkflow object of an instance, for read-only inspection."""
    info = steps.info_of(instance.definition_id)
    return state.load(info.spec, info.subprocess_specs, instance.state)


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


def authorizer() -> Callable:
    return conf.hook("TASK_AUTHORIZER")


def required_reason(reason: str) -> str:
    if not (reason or "").strip():
        raise InvalidData(_("A reason is required."), errors={"reason": [_("Required.")]})
    return reason.strip()[:1000]


def checked_data(data) -> dict:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidData(_("The data must be a JSON object."))
    refuse_nul(data)
    try:
        sandbox.check_storable(data, conf.get("SCRIPT_MAX_SIZE"))
    except ScriptError as err:
        raise InvalidData(str(err.message)) from err
    return dict(data)


def refuse_nul(data) -> None:
    """Refuse NUL characters, in keys or text, which PostgreSQL cannot keep in JSON (the whole step
    would fail at the write): every entry point (start, complete, messages, drafts) checks here."""
    paths = ["/".join(str(part) for part in path) for path in _with_nul(data, [])]
    if paths:
        message = _("Contains a character that cannot be stored.")
        raise InvalidData(_("Some fields are not filled in correctly."), errors={path: [message] for path in paths})


def _with_nul(value, path: list):
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in str(key):
                yield [*path, str(key).replace("\x00", "")]
            else:
                yield from _with_nul(item, [*path, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _with_nul(item, [*path, index])


def _check_separation_of_duties(step: steps.Step, row: Task, spiff_task, actor) -> None:
    """``notCompletedBy``: this task may not be completed by whoever completed the named tasks."""
    declared = (spiff_task.task_spec.extensions.get("properties") or {}).get("notCompletedBy", "")
    others = [name.strip() for name in declared.split(",") if name.strip()]
    if others and Task.objects.filter(instance_id=row.instance_id, bpmn_id__in=others, status=TaskStatus.COMPLETED,
                                      completed_by_id=getattr(actor, "pk", None)).exists():
        raise NotAllowed(_("Separation of duties: you completed an earlier step of this process that must be "
                           "done by someone else (%(steps)s).") % {"steps": ", ".join(others)})


class recording_failures:
    """Turn script failures into typed errors and record them in the audit log *after* the
    rolled-back step, so what was refused is on file while the state stays as it was."""

    def __init__(self, instance: ProcessInstance, actor, new_instance: bool = False):
        self.instance, self.actor, self.new_instance = instance, actor, new_instance

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None:
            return False
        if isinstance(exc, SpiffWorkflowException):
            error = script_error(exc)
        elif isinstance(exc, (ScriptError, EngineInvariantError)):
            error = exc
        else:
            return False
        record_failure(self.instance.pk, self.actor, error, new_instance=self.new_instance)
        if error is exc:
            return False
        raise error from exc


def record_failure(instance_id, actor, error: EngineError, *, new_instance: bool = False) -> None:
    entry = audit.Entry("script_refused" if isinstance(error, SandboxViolation) else "step_failed",
                        actor=actor, element=error.details.get("element", ""),
                        after={"error": str(error.message), "code": error.code})
    try:
        if new_instance:
            audit.append("system", [entry])
            return
        with transaction.atomic():
            instance = steps.lock(instance_id)
            events = audit.chain_for_instance(instance, [entry], timezone.now())
            ProcessInstance.objects.filter(pk=instance.pk).update(audit_seq=instance.audit_seq,
                                                                  audit_head=instance.audit_head)
            AuditEvent.objects.bulk_create(events)
    except Exception:  # the original error matters more than a failed audit write
        logger.exception("could not record a failed step in the audit log")


def script_error(exc: SpiffWorkflowException) -> ScriptError:
    """A typed error naming the BPMN element, from SpiffWorkflow's wrapped exception."""
    cause = _engine_cause(exc)
    if isinstance(cause, InvalidData):
        return cause
    task = getattr(exc, "task", None)
    element = getattr(getattr(task, "task_spec", None), "bpmn_id", None) or ""
    detail = str(cause.message) if cause is not None else str(exc)
    message = _("%(element)s: %(detail)s") % {"element": element, "detail": detail} if element else detail
    error_class = SandboxViolation if isinstance(cause, SandboxViolation) else ScriptError
    return error_class(message, element=element, line=getattr(exc, "line_number", None))


def _engine_cause(exc: BaseException) -> EngineError | None:
    """The engine error (e.g. a sandbox violation) SpiffWorkflow wrapped, if any."""
    node, seen = exc, set()
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        if isinstance(node, EngineError):
            return node
        node = getattr(node, "exception", None) or node.__cause__ or node.__context__
    return None
