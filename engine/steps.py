"""The unit of work: one step of one locked instance, planned in memory, then written at once.

``Step`` loads the workflow of a locked instance and remembers what was open before; after the
caller has moved the workflow on (``run``), ``plan`` turns the difference into rows — the new
state, closed and opened task rows, message subscriptions, jobs, notifications, audit events —
and ``write`` stores a list of plans with a handful of bulk statements. Timers fire hundreds of
instances per transaction this way; a user's completion is a list of one.
"""

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from . import (
    audit,
    conf,
    correlation,
    definitions,
    grants,
    handlers,
    live,
    participation,
    projection,
    queueing,
    rows,
    state,
    waits,
)
from .exceptions import Conflict, EngineInvariantError, InstanceNotRunning, ScriptError
from .metrics import STEP_SECONDS
from .models import (
    AuditEvent,
    InstanceStatus,
    Job,
    MessageSubscription,
    Notification,
    ProcessDefinition,
    ProcessInstance,
    Task,
    TaskStatus,
)

logger = logging.getLogger(__name__)


def lock(instance_id) -> ProcessInstance:
    """Lock the instance row for this transaction (a no-op on SQLite, whose writers are serialised)."""
    instance = rows.lock_instance(instance_id)
    if instance is None:
        raise InstanceNotRunning(_("This process instance does not exist."))
    return instance


def info_of(definition: ProcessDefinition | int) -> definitions.ProcessInfo:
    if isinstance(definition, ProcessDefinition):
        return definitions.load(definition)
    return definitions.load_by_id(definition)


@dataclass
class Plan:
    """Everything one step writes."""

    instance: ProcessInstance
    previous_revision: int
    insert: bool
    now: datetime
    completed: dict = field(default_factory=dict)  # task id -> actor (or None)
    cancelled: list = field(default_factory=list)
    new_tasks: list = field(default_factory=list)
    still_open: list = field(default_factory=list)  # ids of tasks opened by earlier steps, open still
    events: list = field(default_factory=list)
    dropped_subscriptions: list = field(default_factory=list)
    new_subscriptions: list = field(default_factory=list)
    jobs: list = field(default_factory=list)
    notifications: list = field(default_factory=list)
    revoke_known: list = field(default_factory=list)  # (task, instance, user) whose grants go
    revoke_unknown: list = field(default_factory=list)  # closed task ids: look up who held them
    keep_instance: set = field(default_factory=set)  # (instance, user) keeping their instance grant
    described: bool = False  # the subject or sender changed: the instance's task rows follow
    after_commit: list = field(default_factory=list)


class StepContext:
    """What quick service-task handlers see of the step they run in."""

    def __init__(self, step: "Step", spiff_task):
        self.step = step
        self.spiff_task = spiff_task

    @property
    def instance(self) -> ProcessInstance:
        return self.step.instance

    @property
    def now(self) -> datetime:
        return self.step.now

    @property
    def actor(self):
        return self.step.actor

    def record(self, entry: audit.Entry) -> None:
        self.step.entries.append(entry)

    def notify(self, user_ids, kind: str, message: str) -> None:
        for user_id in set(user_ids):
            self.step.notifications.append(Notification(user_id=user_id, instance=self.step.instance, kind=kind,
                                                        message=message[:500], created_at=self.step.now))


class Step:
    """One step on an instance the caller has locked (or is creating)."""

    def __init__(self, instance: ProcessInstance, info, workflow, *, actor, now, insert: bool = False):
        self.instance, self.info, self.workflow = instance, info, workflow
        self.actor, self.now, self.insert = actor, now, insert
        self.entries: list[audit.Entry] = []
        self.completed: dict = {}
        self.assigned_completed: dict = {}  # completed task id -> its assignee's id (grants to revoke)
        self.notifications: list[Notification] = []
        self.before_tasks = {} if insert else state.ready_human_tasks(workflow)
        self.before_messages = {} if insert else waits.waiting_messages(workflow)
        self.absorbed: set = set()
        self.end_events: list = []  # the BPMN end events of the top-level process this step reached

    @classmethod
    def load(cls, instance: ProcessInstance, *, actor, now) -> "Step":
        info = info_of(instance.definition_id)
        workflow = live.take(instance.pk, instance.revision, instance.definition_id)
        if workflow is None:
            workflow = state.load(info.spec, info.subprocess_specs, instance.state)
        return cls(instance, info, workflow, actor=actor, now=now)

    def run(self, first=None) -> None:
        """Run ``first`` (a user task being completed) and then everything automatic up to the next
        wait. Compacts every few hundred automatic tasks so a long automatic loop stays correct, and
        stops a runaway loop that never reaches a wait state."""
        limit = conf.get("MAX_TASKS_PER_STEP")
        count = 0
        workflow = self.workflow

        def after_task(task):
            nonlocal count
            count += 1
            if task.workflow is workflow and type(task.task_spec).__name__ == "EndEvent":
                self.end_events.append(task.task_spec)
            if count % 200 == 0:
                state.compact(workflow)
            if count > limit:
                raise ScriptError(_("The process ran %(n)s tasks without reaching a wait state and was stopped.")
                                  % {"n": limit})

        with (STEP_SECONDS.labels(self.info.spec.name).time(),
              handlers.context(lambda spiff_task: StepContext(self, spiff_task))):
            if first is not None:
                first.run()
            workflow.refresh_timers()
            workflow.do_engine_steps(did_complete_task=after_task)
            correlation.absorb_buffered(self)

    def _describe(self) -> bool:
        """Evaluate what the process says it is about (its ``subject``, ``businessKey`` and
        ``sender`` properties) against the data as it stands; True if the subject or sender changed.
        A value the data cannot give yet (a field not filled in) leaves the old one."""
        expressions = self.info.task_meta.get("__summary__", {}).get(self.info.key)
        if not expressions:
            return False
        instance, data = self.instance, state.current_data(self.workflow)
        before = (instance.subject, instance.sender)
        for name, attribute, size in (("subject", "subject", 500), ("businessKey", "business_key", 200),
                                      ("sender", "sender", 200)):
            if name in expressions:
                value = state.summary_value(expressions[name], data)
                if value:
                    setattr(instance, attribute, value[:size])
        return (instance.subject, instance.sender) != before

    def _plan_grants(self, plan: Plan, after: dict) -> None:
        """Who loses and who gains access with this step (see ``engine.grants``)."""
        new_assignees = {row.assignee_id for row in plan.new_tasks if row.assignee_id}
        pk = self.instance.pk
        plan.keep_instance = {(pk, user_id) for user_id in new_assignees}
        others_open = any(task_id in self.before_tasks for task_id in after)
        for task_id, user_id in self.assigned_completed.items():
            if others_open:  # an older open task may be theirs: let the database tell
                plan.revoke_unknown.append(task_id)
            else:
                plan.revoke_known.append((task_id, pk, user_id))
        plan.revoke_unknown += plan.cancelled

    def plan(self) -> Plan:
        """Compute the rows this step writes (validating the new state); no database writes."""
        instance, workflow, now = self.instance, self.workflow, self.now
        state.compact(workflow)
        described = self._describe()
        if not state.has_unfinished(workflow) and instance.status not in (InstanceStatus.COMPLETED,
                                                                          InstanceStatus.CANCELLED):
            if workflow.success and state.reached_end(workflow):
                instance.status = InstanceStatus.COMPLETED
                end = self.end_events[-1] if self.end_events else None
                if end is not None:
                    instance.outcome = (end.bpmn_name or end.bpmn_id or "")[:300]
                self.entries.append(audit.Entry("instance_completed", actor=self.actor, after={
                    "end": end.bpmn_id if end is not None else None, "outcome": instance.outcome}))
            elif not workflow.success:
                instance.status = InstanceStatus.CANCELLED
            else:
                raise EngineInvariantError(_("The process has no task left but never reached an end event."))
            instance.ended_at = now
        after_commit: list = []
        new_jobs = queueing.jobs_of_step(self, after_commit=after_commit)  # marks the requests queued: before dump
        serialized = state.dump(workflow)
        if len(serialized) > conf.get("MAX_STATE_SIZE"):
            raise ScriptError(_("The process data grew too large to store (%(size)s bytes).")
                              % {"size": f"{len(serialized):,}"})

        plan = Plan(instance=instance, previous_revision=instance.revision, insert=self.insert, now=now,
                    jobs=new_jobs, after_commit=after_commit, described=described and not self.insert)
        after = state.ready_human_tasks(workflow)
        opened = [task for task_id, task in after.items() if task_id not in self.before_tasks]
        plan.completed = dict(self.completed)
        plan.cancelled = [task_id for task_id in self.before_tasks
                          if task_id not in after and task_id not in self.completed]
        plan.new_tasks = projection.new_rows(self.info.task_meta, opened, instance, now)
        plan.still_open = [task_id for task_id in after if task_id in self.before_tasks]
        self._plan_grants(plan, after)
        names = _assignee_names(plan.new_tasks)
        for row in plan.new_tasks:
            assignee = (audit.person(pk=row.assignee_id, username=names.get(row.assignee_id, ""))
                        if row.assignee_id is not None else None)
            self.entries.append(audit.Entry("task_created", task_id=row.pk, element=row.bpmn_id, after={
                "name": row.name, "role": row.candidate_group, "assignee": assignee, "due_at": row.due_at}))
        for task_id in plan.cancelled:
            self.entries.append(audit.Entry("task_cancelled", actor=self.actor, task_id=task_id,
                                            element=self.before_tasks[task_id].task_spec.bpmn_id or ""))

        after_messages = waits.waiting_messages(workflow)
        plan.dropped_subscriptions = [t for t in self.before_messages if t not in after_messages]
        for task_id, spiff_task in after_messages.items():
            if task_id not in self.before_messages:
                plan.new_subscriptions.append(MessageSubscription(
                    instance=instance, task_id=task_id, name=spiff_task.task_spec.event_definition.name,
                    correlation_key=correlation.correlation_key(spiff_task, instance)))
        plan.notifications = self.notifications
        instance.next_timer_at = waits.next_timer(workflow) if instance.status == InstanceStatus.RUNNING else None

        instance.state, instance.revision = serialized, instance.revision + 1
        plan.events = audit.chain_for_instance(instance, self.entries, now)
        if instance.status == InstanceStatus.RUNNING:
            plan.after_commit.append(functools.partial(
                live.keep, instance.pk, instance.revision, instance.definition_id, workflow))
        return plan


_ASSIGNEE = Task._meta.get_field("assignee")


def _assignee_names(tasks: list[Task]) -> dict[int, str]:
    """Usernames of the new tasks' assignees: known when assigned by username, else one lookup."""
    known = {row.assignee_id: row.assignee.get_username() for row in tasks
             if row.assignee_id is not None and row.assignee is not None and _ASSIGNEE.is_cached(row)}
    missing = {row.assignee_id for row in tasks if row.assignee_id is not None and row.assignee_id not in known}
    return {**known, **rows.usernames(missing)}


def write(plans: list[Plan]) -> None:
    """Store the plans of one transaction; an existing instance is written only if its revision is
    still the one read (``Conflict`` otherwise: nothing of the transaction is kept)."""
    if not plans:
        return
    for plan in plans:
        if plan.insert:
            plan.instance.save(force_insert=True)
        elif not rows.store_instance(plan.instance, plan.previous_revision):
            raise Conflict()
    closed: dict = {}  # (status, when, actor id) -> task ids: one UPDATE per group, usually one in all
    for plan in plans:
        for task_id, actor in plan.completed.items():
            closed.setdefault((TaskStatus.COMPLETED, plan.now, getattr(actor, "pk", None)), []).append(task_id)
        for task_id in plan.cancelled:
            closed.setdefault((TaskStatus.CANCELLED, plan.now, None), []).append(task_id)
    for (status, when, actor_id), task_ids in closed.items():
        rows.close_tasks(task_ids, status=status, when=when, actor_id=actor_id)
    participation.record(participation.of_plans(plans))
    for plan in plans:
        if plan.described:
            rows.describe_tasks(plan.instance)
    dropped = [task_id for plan in plans for task_id in plan.dropped_subscriptions]
    if dropped:
        MessageSubscription.objects.filter(task_id__in=dropped).delete()
    for model, attribute in ((Task, "new_tasks"), (MessageSubscription, "new_subscriptions"), (Job, "jobs"),
                             (Notification, "notifications"), (AuditEvent, "events")):
        rows.insert(model, [row for plan in plans for row in getattr(plan, attribute)])
    grants.apply_step(
        revoke_known=[item for plan in plans for item in plan.revoke_known],
        revoke_unknown=[task_id for plan in plans for task_id in plan.revoke_unknown],
        assignments=[(row, row.assignee_id) for plan in plans for row in plan.new_tasks if row.assignee_id],
        keep_instance={pair for plan in plans for pair in plan.keep_instance},
    )
    for plan in plans:
        for callback in plan.after_commit:
            transaction.on_commit(callback)


def locked(instance_id, *, actor, now, running: bool = True, check: Callable | None = None) -> Step:
    """Lock and load an instance for a step; refuse unless it is running (when ``running``)."""
    instance = lock(instance_id)
    if running and instance.status != InstanceStatus.RUNNING:
        raise InstanceNotRunning()
    if check is not None:
        check(instance)
    return Step.load(instance, actor=actor, now=now)
