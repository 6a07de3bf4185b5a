"""The engine's public API: every change to a process goes through these functions.

A step is one transaction: lock the instance row, check the task is still open and the actor
may complete it, run SpiffWorkflow to the next wait state, store the state with
``revision + 1`` (conditional on the revision read, which also guards SQLite), update the task
projection and append audit events; side effects run only after commit. A failed step leaves
the stored state untouched; a script the sandbox stopped leaves an audit event.
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from SpiffWorkflow.exceptions import SpiffWorkflowException

from . import audit, conf, definitions, projection, sandbox, state
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
                    deployed_by=actor if getattr(actor, "pk", None) else None,
                )
                audit.append(f"definition:{key}", [audit.Entry(
                    "definition_deployed", actor=actor,
                    before={"version": latest.version, "content_hash": latest.content_hash} if latest else None,
                    after={"version": definition.version, "content_hash": definition.content_hash,
                           "files": sorted(info.files)},
                )])
                transaction.on_commit(lambda d=definition, i=info: definitions.remember(d, i))
                results.append(Deployment(definition, created=True))
    except IntegrityError as err:  # a concurrent deploy of the same key took the version number
        raise Conflict(_("Another deployment of this process happened at the same time; try again.")) from err
    return results


def latest_definition(key: str) -> ProcessDefinition:
    definition = ProcessDefinition.objects.filter(key=key).defer("files").order_by("-version").first()
    if definition is None:
        raise DefinitionNotFound(_("No process '%(key)s' has been deployed.") % {"key": key})
    return definition


# --- Instances -------------------------------------------------------------------------------


def start(key: str, *, data: dict | None = None, actor=None, business_key: str = "", body: str = "",
          subject: str = "") -> ProcessInstance:
    """Start the latest version of process ``key`` and run it to its first wait state."""
    definition = latest_definition(key)
    info = _info(definition)
    data = _checked_data(data)
    instance = ProcessInstance(
        id=uuid.uuid4(), definition=definition, business_key=business_key[:200], body=body[:100],
        subject=subject[:200], started_by=actor if getattr(actor, "pk", None) else None, revision=0,
        serializer_version=state.SERIALIZER_VERSION,
    )
    workflow = state.new_workflow(info.spec, info.subprocess_specs, data)
    now = timezone.now()
    entries = [audit.Entry("instance_started", actor=actor, after={
        "definition": definition.key, "version": definition.version, "business_key": business_key, "data": data})]
    with _recording_failures(instance, actor, new_instance=True):
        with transaction.atomic():
            _run(workflow)
            _store(instance, workflow, info, before={}, entries=entries, actor=actor, now=now, insert=True)
    return instance


def complete(task: Task | uuid.UUID | str, *, data: dict | None = None, actor) -> ProcessInstance:
    """Complete an open user task with the submitted data, as ``actor``.

    Raises ``TaskNotOpen`` (a conflict) when someone else completed it first, ``NotAllowed`` when
    the actor may not complete it, ``InvalidData`` for refused data, ``ScriptError`` when a script
    of the process failed (the step is then not stored).
    """
    task_id = task.pk if isinstance(task, Task) else uuid.UUID(str(task))
    instance_id = task.instance_id if isinstance(task, Task) else _instance_of(task_id)
    data = _checked_data(data)
    with _recording_failures(ProcessInstance(pk=instance_id), actor):
        with transaction.atomic():
            instance = _lock(instance_id)
            row = Task.objects.filter(pk=task_id).first()
            if row is None or row.status != TaskStatus.OPEN or instance.status != InstanceStatus.RUNNING:
                raise TaskNotOpen()
            if not _authorizer()(actor, row):
                raise NotAllowed(_("You may not complete this task."))
            validate = conf.get("FORM_VALIDATOR")
            if validate:
                (import_string(validate) if isinstance(validate, str) else validate)(row, data)
            info = _info(instance.definition_id)
            workflow = state.load(info.spec, info.subprocess_specs, instance.state)
            before = state.ready_human_tasks(workflow)
            spiff_task = before.get(row.pk)
            if spiff_task is None:
                raise TaskNotOpen()
            replaced = {key: spiff_task.data.get(key) for key in data}
            spiff_task.data.update(data)
            now = timezone.now()
            entries = [audit.Entry("task_completed", actor=actor, task_id=row.pk, element=row.bpmn_id,
                                   before=replaced, after=data)]
            _run(workflow, first=spiff_task)
            _store(instance, workflow, info, before=before, entries=entries, actor=actor, now=now,
                   completed={row.pk})
    return instance


def cancel(instance: ProcessInstance | uuid.UUID | str, *, actor, reason: str) -> ProcessInstance:
    """Cancel a running instance; its open tasks are closed. The reason is kept in the audit log."""
    if not (reason or "").strip():
        raise InvalidData(_("A reason is required to cancel a process."), errors={"reason": [_("Required.")]})
    instance_id = instance.pk if isinstance(instance, ProcessInstance) else uuid.UUID(str(instance))
    with transaction.atomic():
        instance = _lock(instance_id)
        if instance.status != InstanceStatus.RUNNING:
            raise InstanceNotRunning()
        info = _info(instance.definition_id)
        workflow = state.load(info.spec, info.subprocess_specs, instance.state)
        before = state.ready_human_tasks(workflow)
        workflow.cancel()
        entries = [audit.Entry("instance_cancelled", actor=actor, after={"reason": reason.strip()})]
        _store(instance, workflow, info, before=before, entries=entries, actor=actor, now=timezone.now())
    return instance


def workflow_of(instance: ProcessInstance):
    """The live SpiffWorkflow object of an instance, for read-only inspection."""
    info = _info(instance.definition_id)
    return state.load(info.spec, info.subprocess_specs, instance.state)


# --- The unit of work ------------------------------------------------------------------------


def _lock(instance_id) -> ProcessInstance:
    try:
        return ProcessInstance.objects.select_for_update().get(pk=instance_id)
    except ProcessInstance.DoesNotExist:
        raise InstanceNotRunning(_("This process instance does not exist.")) from None


def _instance_of(task_id) -> uuid.UUID:
    instance_id = Task.objects.filter(pk=task_id).values_list("instance_id", flat=True).first()
    if instance_id is None:
        raise TaskNotOpen(_("This task does not exist."))
    return instance_id


def _info(definition: ProcessDefinition | int) -> definitions.ProcessInfo:
    if isinstance(definition, ProcessDefinition):
        return definitions.load(definition)
    return definitions.load_by_id(definition)


def _authorizer() -> Callable:
    hook = conf.get("TASK_AUTHORIZER")
    return import_string(hook) if isinstance(hook, str) else hook


def _checked_data(data) -> dict:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidData(_("The data must be a JSON object."))
    try:
        sandbox.check_storable(data, conf.get("SCRIPT_MAX_SIZE"))
    except ScriptError as err:
        raise InvalidData(str(err.message)) from err
    return dict(data)


def _run(workflow, first=None) -> None:
    """Run ``first`` (a user task being completed) and then everything automatic up to the next wait.

    Compacts the tree every few hundred automatic tasks, so a long automatic loop stays correct,
    and stops a runaway loop that never reaches a wait state.
    """
    limit = conf.get("MAX_TASKS_PER_STEP")
    count = 0

    def after_task(_task):
        nonlocal count
        count += 1
        if count % 200 == 0:
            state.compact(workflow)
        if count > limit:
            raise ScriptError(_("The process ran %(n)s tasks without reaching a wait state and was stopped.")
                              % {"n": limit})

    if first is not None:
        first.run()
    workflow.refresh_timers()
    workflow.do_engine_steps(did_complete_task=after_task)


def _store(instance: ProcessInstance, workflow, info, *, before: dict, entries: list, actor, now,
           completed: frozenset | set = frozenset(), insert: bool = False) -> None:
    """Write the new state, the projection and the events.

    An existing instance must be locked by the caller; its row is written only if its revision is
    still the one that was read (else ``Conflict``).
    """
    state.compact(workflow)
    if not state.has_unfinished(workflow):
        if workflow.success and state.reached_end(workflow):
            instance.status = InstanceStatus.COMPLETED
            entries.append(audit.Entry("instance_completed", actor=actor))
        elif not workflow.success:
            instance.status = InstanceStatus.CANCELLED
        else:
            raise EngineInvariantError(_("The process has no task left but never reached an end event."))
        instance.ended_at = now
    serialized = state.dump(workflow)
    if len(serialized) > conf.get("MAX_STATE_SIZE"):
        raise ScriptError(_("The process data grew too large to store (%(size)s bytes).")
                          % {"size": f"{len(serialized):,}"})

    after = state.ready_human_tasks(workflow)
    opened = [task for task_id, task in after.items() if task_id not in before]
    cancelled = [task_id for task_id in before if task_id not in after and task_id not in completed]
    rows = projection.new_rows(info.task_meta, opened, instance, now)
    for row in rows:
        entries.append(audit.Entry("task_created", task_id=row.pk, element=row.bpmn_id, after={
            "name": row.name, "role": row.candidate_group, "assignee": row.assignee_id,
            "due_at": row.due_at}))
    for task_id in cancelled:
        entries.append(audit.Entry("task_cancelled", actor=actor, task_id=task_id,
                                   element=before[task_id].task_spec.bpmn_id or ""))
    events = audit.chain_for_instance(instance, entries, now)

    previous = instance.revision
    instance.state, instance.revision = serialized, previous + 1
    if insert:
        instance.save(force_insert=True)
    else:
        stored = ProcessInstance.objects.filter(pk=instance.pk, revision=previous).update(
            state=serialized, revision=F("revision") + 1, status=instance.status, ended_at=instance.ended_at,
            audit_seq=instance.audit_seq, audit_head=instance.audit_head,
        )
        if stored != 1:
            raise Conflict()
    if completed:
        Task.objects.filter(pk__in=completed).update(
            status=TaskStatus.COMPLETED, completed_at=now, completed_by=actor if getattr(actor, "pk", None) else None)
    if cancelled:
        Task.objects.filter(pk__in=cancelled).update(status=TaskStatus.CANCELLED, completed_at=now)
    if rows:
        Task.objects.bulk_create(rows)
    AuditEvent.objects.bulk_create(events)


class _recording_failures:
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
            error = _script_error(exc)
        elif isinstance(exc, (ScriptError, EngineInvariantError)):
            error = exc
        else:
            return False
        self._record(error)
        if error is exc:
            return False
        raise error from exc

    def _record(self, error: EngineError) -> None:
        entry = audit.Entry("script_refused" if isinstance(error, SandboxViolation) else "step_failed",
                            actor=self.actor, element=error.details.get("element", ""),
                            after={"error": str(error.message), "code": error.code})
        try:
            if self.new_instance:
                audit.append("system", [entry])
                return
            with transaction.atomic():
                instance = _lock(self.instance.pk)
                events = audit.chain_for_instance(instance, [entry], timezone.now())
                ProcessInstance.objects.filter(pk=instance.pk).update(
                    audit_seq=instance.audit_seq, audit_head=instance.audit_head)
                AuditEvent.objects.bulk_create(events)
        except Exception:  # the original error matters more than a failed audit write
            logger.exception("could not record a failed step in the audit log")


def _script_error(exc: SpiffWorkflowException) -> ScriptError:
    """A typed error naming the BPMN element, from SpiffWorkflow's wrapped exception."""
    cause = _engine_cause(exc)
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
