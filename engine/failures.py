"""What happens when a step fails: SpiffWorkflow's wrapped exceptions become typed errors naming
the BPMN element, and the refusal is put on record after the step rolled back, so what was refused
is in the audit log while the stored state stays as it was."""

import logging

from django.db import transaction
from SpiffWorkflow.exceptions import SpiffWorkflowException

from . import audit, rows
from .exceptions import EngineError, EngineInvariantError, InvalidData, SandboxViolation, ScriptError

logger = logging.getLogger(__name__)


class recording_failures:
    """``with recording_failures(instance_id, actor): …``: turn script failures into typed errors
    and record them (in the instance's stream, or the ``system`` stream for an instance that was
    never stored)."""

    def __init__(self, instance_id, actor, new_instance: bool = False):
        self.instance_id, self.actor, self.new_instance = instance_id, actor, new_instance

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
        record_failure(self.instance_id, self.actor, error, new_instance=self.new_instance)
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
            instance = rows.lock_instance(instance_id)
            if instance is not None:
                audit.append(instance, [entry])
    except Exception:  # the original error matters more than a failed audit write
        logger.exception("could not record a failed step in the audit log")


def script_error(exc: SpiffWorkflowException) -> EngineError:
    """A typed error naming the BPMN element, from SpiffWorkflow's wrapped exception (the engine
    error it wraps, such as refused data, is passed on as it is)."""
    cause = _engine_cause(exc)
    if isinstance(cause, InvalidData):
        return cause
    task = getattr(exc, "task", None)
    element = getattr(getattr(task, "task_spec", None), "bpmn_id", None) or ""
    detail = str(cause.message) if cause is not None else str(exc)
    message = f"{element}: {detail}" if element else detail
    error_class = SandboxViolation if isinstance(cause, SandboxViolation) else ScriptError
    return error_class(message, element=element, line=getattr(exc, "line_number", None))


def _engine_cause(exc: BaseException) -> EngineError | None:
    """The engine error (e.g. a sandbox violation) SpiffWorkflow wrapped, if any."""
    node: BaseException | None = exc
    seen = set()
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        if isinstance(node, EngineError):
            return node
        node = getattr(node, "exception", None) or node.__cause__ or node.__context__
    return None
