"""Typed errors: the one base every app raises on purpose, and the engine's own.

Each error carries a stable ``code``, the HTTP ``status`` it answers with in the API and the
pages, and a message for people (English msgid, Vietnamese through the catalog). A class's
``default_message`` may name ``%(…)s`` details given as keyword arguments; an explicit message is
shown as given. The API renders any of them as problem details without knowing the class.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


class QuytrinhError(Exception):
    """Base of every error the engine and the domain apps raise on purpose."""

    code = "error"
    status = 400
    #: Seconds after which a retry may succeed (``Retry-After``), for errors that are temporary.
    retry_after: int | None = None
    default_message = _("The request could not be carried out.")

    def __init__(self, message=None, **details):
        self._message = message
        self.details = details
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The text for people, in the language active when it is read."""
        if self._message is not None:
            return str(self._message)
        text = str(self.default_message)
        try:
            return text % self.details if self.details else text
        except (KeyError, TypeError, ValueError):  # a detail the template does not name, or lacks
            return text

    def __str__(self) -> str:
        return self.message


class EngineError(QuytrinhError):
    """Base of every error the process engine raises on purpose."""

    default_message = _("The process engine could not carry out the request.")
    code = "engine_error"


@dataclass(frozen=True)
class DeployProblem:
    """One reason a deployment was refused, pointing at where to fix it."""

    file: str
    line: int | None
    element: str | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        element = f" [{self.element}]" if self.element else ""
        return f"{where}{element}: {self.message}"

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "element": self.element, "message": self.message}


class DeploymentError(EngineError):
    code = "invalid_definition"
    default_message = _("The process definition was refused.")

    def __init__(self, problems: list[DeployProblem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems) or str(self.default_message))


class DefinitionNotFound(EngineError):
    code = "definition_not_found"
    status = 404
    default_message = _("No process definition with this key has been deployed.")


class Conflict(EngineError):
    """The request lost a race or came too late; the stored state did not change."""

    code = "conflict"
    status = 409
    default_message = _("The process changed in the meantime; reload and try again.")


class TaskNotOpen(Conflict):
    code = "task_not_open"
    default_message = _("This task is no longer open: someone has already completed or cancelled it.")


class InstanceNotRunning(Conflict):
    code = "instance_not_running"
    default_message = _("This process instance is no longer running.")


class NotAllowed(EngineError):
    code = "not_allowed"
    status = 403
    default_message = _("You are not allowed to do this.")


class InvalidData(EngineError):
    """Submitted data was refused; ``errors`` maps field paths to messages."""

    code = "invalid_data"
    default_message = _("The submitted data is not valid.")

    def __init__(self, message=None, errors: dict | None = None):
        self.errors = errors or {}
        super().__init__(message, errors=self.errors)


class ScriptError(EngineError):
    """A BPMN script, condition or expression failed or was stopped by the sandbox."""

    code = "script_error"
    status = 422
    default_message = _("A script in the process failed.")


class SandboxViolation(ScriptError):
    code = "sandbox_violation"
    default_message = _("A script in the process tried something it is not allowed to do.")


class EngineInvariantError(EngineError):
    """The workflow reached a state the engine refuses to store (e.g. done without an end event)."""

    code = "engine_invariant"
    status = 409
    default_message = _("The process reached an inconsistent state; the step was not saved.")
