"""What happens when a step fails: SpiffWorkflow's wrapped exceptions become typed errors naming
the BPMN element, said in our words (a condition on a variable without a value says which, at which
step; SpiffWorkflow's English, such as its "Did you mean", never reaches a reader), and the refusal
is put on record after the step rolled back, so what was refused is in the audit log while the
stored state stays as it was."""

import logging

from django.db import transaction
from django.utils.translation import gettext as _
from SpiffWorkflow.exceptions import SpiffWorkflowException

from . import audit, rows
from .exceptions import EngineError, EngineInvariantError, InvalidData, SandboxViolation, ScriptError
from .sandbox import ScriptFailed

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
    """A typed error naming the BPMN element (its id, and its name in the message), from
    SpiffWorkflow's wrapped exception, said in our words (the engine error it wraps, such as refused
    data, is passed on as it is)."""
    cause = _engine_cause(exc)
    if isinstance(cause, InvalidData):
        return cause
    spec = getattr(getattr(exc, "task", None), "task_spec", None) or getattr(exc, "task_spec", None)
    element = getattr(spec, "bpmn_id", None) or ""
    message = _explained(exc, cause, spec) if element else (str(cause.message) if cause is not None else str(exc))
    line = cause.details.get("line") if isinstance(cause, ScriptFailed) else getattr(exc, "line_number", None)
    error_class = SandboxViolation if isinstance(cause, SandboxViolation) else ScriptError
    return error_class(message, element=element, line=line or None)


def _explained(exc: SpiffWorkflowException, cause: EngineError | None, spec) -> str:
    step = _step(spec)
    if isinstance(cause, ScriptFailed):
        return _failed(cause.details, spec, step)
    if cause is not None:
        return _("Step %(step)s: %(error)s") % {"step": step, "error": cause.message}
    if str(exc).startswith("No conditions satisfied"):  # SpiffWorkflow's gateway with no way out
        return _("None of the conditions leaving step %(step)s holds, and it has no default flow.") % {"step": step}
    return _("Step %(step)s failed: %(error)s") % {"step": step, "error": str(exc)}


def _step(spec) -> str:
    """How a message names a BPMN element: 'its name' (its id), or 'its id' when it has no name."""
    name, element = (getattr(spec, "bpmn_name", None) or "").strip(), spec.bpmn_id
    return f"'{name}' ({element})" if name and name != element else f"'{element}'"


def _failed(details: dict, spec, step: str) -> str:
    """A failed script, condition or expression: which, where, and what went wrong."""
    values = {"step": step, "expression": details.get("source", ""), "variable": details.get("variable"),
              "reason": details.get("reason"), "line": details.get("line") or "?"}
    if details.get("mode") == "exec":
        if values["variable"]:
            return _("The script of step %(step)s uses the variable '%(variable)s' at line %(line)s, which has no "
                     "value yet.") % values
        return _("The script of step %(step)s failed at line %(line)s: %(reason)s.") % values
    if _is_condition(spec, values["expression"]):
        if values["variable"]:
            return _("The condition '%(expression)s' at step %(step)s uses the variable '%(variable)s', which has "
                     "no value yet.") % values
        return _("The condition '%(expression)s' at step %(step)s could not be evaluated: %(reason)s.") % values
    if values["variable"]:
        return _("The expression '%(expression)s' at step %(step)s uses the variable '%(variable)s', which has no "
                 "value yet.") % values
    return _("The expression '%(expression)s' at step %(step)s could not be evaluated: %(reason)s.") % values


def _is_condition(spec, expression: str) -> bool:
    """True if the expression is one of the conditions on the flows leaving a gateway."""
    return any(str(condition.args[0]).strip() == expression
               for condition, _target in getattr(spec, "cond_task_specs", None) or [] if condition is not None)


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
