"""Reading an instance for people: where it stands (open tasks, timers and messages it waits for,
jobs in flight, steps done) and its data. Read-only; who may read what is ``engine.access``."""

from dataclasses import dataclass
from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from . import state, steps, waits
from .models import Job, JobStatus, ProcessInstance, Task, TaskStatus


@dataclass(frozen=True)
class StepView:
    """One step of an instance as people see it: a user task (with its row), a timer or message
    being waited for, a background job, or a completed user task."""

    bpmn_id: str
    name: str
    kind: str  # user_task | timer | message | event | job
    task: object = None  # the task row's id, for user tasks
    due_at: datetime | None = None
    completed_at: datetime | None = None


def workflow_of(instance: ProcessInstance):
    """The live SpiffWorkflow object of an instance (loaded from its stored state)."""
    info = steps.info_of(instance.definition_id)
    return state.load(info.spec, info.subprocess_specs, instance.state)


def data_of(instance: ProcessInstance) -> dict:
    """The process data as it stands."""
    return state.current_data(workflow_of(instance))


def task_data(task: Task, keys) -> dict:
    """The values an open task's data holds for ``keys`` (what its form shows before any draft)."""
    spiff_task = workflow_of(task.instance).get_task_from_id(task.pk)
    return {key: spiff_task.data[key] for key in keys if key in spiff_task.data}


def active_steps(instance: ProcessInstance, tasks: list[Task] | None = None) -> list[StepView]:
    """Open user tasks, then what the workflow waits for (timers, messages, other events), then
    background jobs pending or running."""
    tasks = tasks if tasks is not None else list(Task.objects.filter(instance=instance).order_by("created_at"))
    found = [StepView(t.bpmn_id, t.name, "user_task", t.pk, t.due_at) for t in tasks if t.status == TaskStatus.OPEN]
    workflow = workflow_of(instance)
    timers = {task.id: due for task, due in waits.waiting_timers(workflow)}
    for spiff_task in workflow.event_manager.tasks.values():
        definition = getattr(spiff_task.task_spec, "event_definition", None)
        if spiff_task.state != TaskState.WAITING or definition is None:
            continue
        if spiff_task.id in timers:
            kind = "timer"
        else:
            kind = "message" if isinstance(definition, MessageEventDefinition) else "event"
        found.append(StepView(spiff_task.task_spec.bpmn_id or "", spiff_task.task_spec.bpmn_name or "", kind,
                              due_at=timers.get(spiff_task.id)))
    for job in Job.objects.filter(instance=instance, status__in=[JobStatus.PENDING, JobStatus.RUNNING]):
        found.append(StepView(job.element, job.handler, "job"))
    return found


def completed_steps(instance: ProcessInstance, tasks: list[Task] | None = None) -> list[StepView]:
    tasks = tasks if tasks is not None else list(Task.objects.filter(instance=instance).order_by("created_at"))
    return [StepView(t.bpmn_id, t.name, "user_task", t.pk, t.due_at, t.completed_at)
            for t in tasks if t.status == TaskStatus.COMPLETED]


def diagram_states(instance: ProcessInstance) -> dict[str, str]:
    """BPMN id -> ``completed``, ``active`` (an open user task) or ``waiting`` (a timer, a message,
    a job): what the diagram marks."""
    tasks = list(Task.objects.filter(instance=instance).order_by("created_at"))
    marks = {step.bpmn_id: "completed" for step in completed_steps(instance, tasks)}
    for step in active_steps(instance, tasks):
        marks[step.bpmn_id] = "active" if step.kind == "user_task" else "waiting"
    return marks
