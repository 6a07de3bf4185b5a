"""Guards on completing a user task, registered by the apps above the engine.

``services.complete`` is reached by the API, the pages, scripts, Celery jobs and other apps alike;
an app whose tasks may only be completed its own way (signing: a signing step, only by the code
that signed its document) registers a guard here in its ``AppConfig.ready``, so that no caller goes
around it, while the engine stays ignorant of the app (as ``engine.access.guard_data`` does for
reading process data).
"""

from collections.abc import Callable, Mapping

from .models import ProcessInstance, Task

#: ``guard(task, instance, data, actor)``: raises a ``QuytrinhError`` to refuse the completion.
CompletionGuard = Callable[[Task, ProcessInstance, Mapping, object], None]

_completion_guards: list[CompletionGuard] = []


def guard_completion(guard: CompletionGuard) -> CompletionGuard:
    """Register ``guard``, asked inside the step before anything runs: what it raises rolls the step
    back, so a refused completion changes nothing and leaves no completion on record."""
    if guard not in _completion_guards:
        _completion_guards.append(guard)
    return guard


def check_completion(task: Task, instance: ProcessInstance, data: Mapping, actor) -> None:
    for guard in _completion_guards:
        guard(task, instance, data, actor)
