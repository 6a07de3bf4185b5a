"""What a workflow is waiting for: catch events waiting for a message, and timers with their due
times. Steps keep the message subscriptions and ``next_timer_at`` in step with these; the instance
page lists them."""

from datetime import UTC, datetime

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState


def waiting_messages(workflow) -> dict:
    """Catch events waiting for a message, by task id."""
    return {
        task.id: task for task in workflow.event_manager.tasks.values()
        if task.state == TaskState.WAITING
        and isinstance(getattr(task.task_spec, "event_definition", None), MessageEventDefinition)
    }


def _timers(workflow):
    """(task, stored value) of the timers waited for: an ISO time, None until the timer's expression
    is evaluated, or a dict for a cycle."""
    for task in workflow.event_manager.tasks.values():
        definition = getattr(task.task_spec, "event_definition", None)
        if task.state == TaskState.WAITING and isinstance(definition, TimerEventDefinition):
            yield task, definition.details(task).value


def waiting_timers(workflow) -> list[tuple[SpiffTask, datetime | None]]:
    """(task, due time) of every timer the workflow waits for; None when not known as a time yet."""
    return [(task, datetime.fromisoformat(value) if isinstance(value, str) else None)
            for task, value in _timers(workflow)]


def next_timer(workflow) -> datetime | None:
    """The earliest due time of the timers the workflow waits for: at once for a timer not yet
    evaluated (the sweep evaluates it); a cycle's ticks are not swept (its value is not a time)."""
    due = [datetime.min.replace(tzinfo=UTC) if value is None else datetime.fromisoformat(value)
           for _task, value in _timers(workflow) if value is None or isinstance(value, str)]
    return min(due) if due else None


def waiting_on_start_timer(workflow) -> bool:
    """True if nothing has happened yet: the workflow still waits on its timer start event."""
    return any(type(task.task_spec).__name__ == "StartEvent" and task.state == TaskState.WAITING
               for task in workflow.tasks.values())
