"""Persistent state of the engine: definitions, instances, the task projection and the audit log."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase


class ProcessDefinition(models.Model):
    """One deployed version of one executable BPMN process. Immutable once stored."""

    key = models.CharField(_("process key"), max_length=200, help_text=_("The BPMN process id."))
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=300, blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64)
    files = models.JSONField(_("source files"), help_text=_("File name -> BPMN/DMN XML of the deployment."))
    task_meta = models.JSONField(
        _("user task metadata"), default=dict, help_text=_("BPMN id -> lane, role, form key, rules.")
    )
    deployed_at = models.DateTimeField(_("deployed at"), auto_now_add=True)
    deployed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("deployed by"),
    )

    class Meta:
        verbose_name = _("process definition")
        verbose_name_plural = _("process definitions")
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="definition_key_version")]
        ordering = ["key", "-version"]

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"


class InstanceStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUSPENDED = "suspended", _("Suspended")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class ProcessInstance(models.Model):
    """One running (or finished) process.

    ``state`` is the SpiffWorkflow state without the spec (the spec is cached per definition
    version) and without finished history (compacted: history lives in the audit log), so the
    cost of a step depends on the active state only. ``revision`` grows by one per stored step;
    writes are conditional on it, which also protects SQLite where row locks do not exist.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    definition = models.ForeignKey(
        ProcessDefinition, on_delete=models.PROTECT, related_name="instances", verbose_name=_("definition")
    )
    business_key = models.CharField(_("business key"), max_length=200, blank=True, db_index=True,
                                    help_text=_("Given at start, or named from the data by the process's businessKey."))
    status = models.CharField(
        _("status"), max_length=16, choices=InstanceStatus.choices, default=InstanceStatus.RUNNING
    )
    state = models.BinaryField(_("workflow state"))
    revision = models.PositiveIntegerField(_("revision"), default=1)
    body = models.CharField(_("owning body"), max_length=100, blank=True, db_index=True)
    subject = models.CharField(
        _("subject"), max_length=500, blank=True,
        help_text=_("What the process is about (e.g. a document's subject), named from the data by the process."),
    )
    sender = models.CharField(_("sender"), max_length=200, blank=True,
                              help_text=_("Who it comes from (a sending body, an applicant), named from the data."))
    outcome = models.CharField(_("outcome"), max_length=300, blank=True,
                               help_text=_("The end event it reached, by name."))
    next_timer_at = models.DateTimeField(_("next timer at"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("started by"),
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # Head of this instance's audit hash chain, updated in the same write as the state.
    audit_seq = models.PositiveIntegerField(default=0, editable=False)
    audit_head = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("process instance")
        verbose_name_plural = _("process instances")
        indexes = [
            models.Index(fields=["status", "definition"], name="instance_status_def"),
            # The timer sweep: due instances only, oldest first.
            models.Index(fields=["next_timer_at"], name="instance_next_timer",
                         condition=models.Q(next_timer_at__isnull=False)),
        ]

    def __str__(self) -> str:
        label = self.business_key or str(self.id)[:8]
        return f"{self.definition.key} {label}"

    @property
    def audit_stream(self) -> str:
        return f"instance:{self.id}"


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Task(models.Model):
    """Projection of a human task: one row per user task that is or was READY.

    Open rows are exactly the READY user tasks of the stored workflow states; worklists, filters
    and counts query this table and never deserialize workflows. The id is SpiffWorkflow's task id.
    """

    id = models.UUIDField(primary_key=True, editable=False)
    instance = models.ForeignKey(
        ProcessInstance, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("process instance")
    )
    bpmn_id = models.CharField(_("BPMN id"), max_length=200)
    name = models.CharField(_("name"), max_length=300, blank=True)
    lane = models.CharField(_("lane"), max_length=200, blank=True)
    candidate_group = models.CharField(_("candidate group"), max_length=100, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("assignee"),
    )
    form_key = models.CharField(_("form key"), max_length=200, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    priority = models.SmallIntegerField(_("priority"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    body = models.CharField(_("owning body"), max_length=100, blank=True)
    # What the process is about, copied from the instance for the worklist's rows and search.
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    sender = models.CharField(_("sender"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("completed by"), db_index=False,  # task_completed_by_instance leads with it
    )

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            # Worklists: "assigned to me" and "open to my role in this body", ordered by due date.
            models.Index(fields=["assignee", "status", "due_at"], name="task_assignee_queue"),
            models.Index(fields=["candidate_group", "body", "status", "due_at"], name="task_group_queue",
                         condition=models.Q(assignee__isnull=True)),
            models.Index(fields=["instance", "status"], name="task_instance_status"),
            # "The instances this person completed a task of" (engine.access.participating) from the
            # index alone: a clerk has completed thousands, and reading their rows cost 3 ms a search.
            models.Index(fields=["completed_by", "instance"], name="task_completed_by_instance"),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.bpmn_id} ({self.get_status_display()})"


class Participation(models.Model):
    """A body a person has worked in: they started an instance of it or completed a task of one
    (``engine.participation``). One row per person and body, whatever the number of tasks."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("user"), db_index=False)  # participation_once leads with it
    body = models.CharField(_("owning body"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [models.UniqueConstraint(fields=["user", "body"], name="participation_once")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.body}"


class AuditEvent(models.Model):
    """Append-only record of a change, hash-chained per stream (an instance, a definition key…).

    ``hash = sha256(prev_hash || canonical JSON of the event)``; ``manage.py verify_audit`` walks
    every stream and reports edited, reordered or missing rows.
    """

    stream = models.CharField(_("stream"), max_length=120)
    seq = models.PositiveIntegerField(_("sequence"))
    instance = models.ForeignKey(
        ProcessInstance, null=True, blank=True, on_delete=models.PROTECT, related_name="events",
        verbose_name=_("process instance"),
    )
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("actor"),
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=60)
    task_id = models.UUIDField(_("task"), null=True, blank=True)
    element = models.CharField(_("BPMN element"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        constraints = [models.UniqueConstraint(fields=["stream", "seq"], name="audit_stream_seq")]
        ordering = ["stream", "seq"]

    def __str__(self) -> str:
        return f"{self.stream}#{self.seq} {self.action}"


class AuditStream(models.Model):
    """Head of a hash chain for streams that are not an instance (definitions, the system)."""

    name = models.CharField(primary_key=True, max_length=120)
    seq = models.PositiveIntegerField(default=0)
    head = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit stream")
        verbose_name_plural = _("audit streams")

    def __str__(self) -> str:
        return f"{self.name} #{self.seq}"


class CalendarDay(models.Model):
    """An administrator's correction of the national calendar: an extra day off, or a Saturday worked."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Day off")
        WORKDAY = "workday", _("Working day")

    day = models.DateField(_("day"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()}"


class LegalClock(models.Model):
    """A legal deadline in working days that can be paused, resumed and extended (one per name)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        STOPPED = "stopped", _("Stopped")

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="clocks",
                                 verbose_name=_("process instance"))
    name = models.CharField(_("name"), max_length=100)
    days = models.IntegerField(_("working days"))
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    remaining_days = models.IntegerField(_("working days left when paused"), null=True, blank=True)
    extended_days = models.IntegerField(_("working days added by decisions"), default=0)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)

    class Meta:
        verbose_name = _("legal clock")
        verbose_name_plural = _("legal clocks")
        constraints = [models.UniqueConstraint(fields=["instance", "name"], name="clock_instance_name")]

    def __str__(self) -> str:
        return f"{self.name}: {self.due_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    INCIDENT = "incident", _("Incident")


class Job(models.Model):
    """A slow service task run in the background. The database, not the broker, is the source of
    truth: a lost or duplicated Celery message only delays or repeats a wake-up; the lease and the
    task state make sure the step completes exactly once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="jobs",
                                 verbose_name=_("process instance"))
    task_id = models.UUIDField(_("task"))
    element = models.CharField(_("BPMN element"), max_length=200)
    handler = models.CharField(_("handler"), max_length=200)
    params = models.JSONField(_("parameters"), default=dict)
    data = models.JSONField(_("task data"), default=dict)
    idempotency_key = models.CharField(_("idempotency key"), max_length=120, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("max attempts"), default=3)
    run_after = models.DateTimeField(_("run after"))
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    locked_by = models.CharField(_("locked by"), max_length=120, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [models.Index(fields=["status", "run_after"], name="job_status_run_after")]

    def __str__(self) -> str:
        return f"{self.handler} ({self.get_status_display()})"


class Incident(models.Model):
    """Something the engine could not do on its own and an administrator must look at."""

    class Kind(models.TextChoices):
        JOB = "job", _("Background job failed")
        TIMER = "timer", _("Timer failed")

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="incidents",
                                 verbose_name=_("process instance"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.CASCADE, related_name="incidents",
                            verbose_name=_("background job"))
    element = models.CharField(_("BPMN element"), max_length=200, blank=True)
    message = models.TextField(_("message"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("resolved by"),
    )

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [models.Index(fields=["instance", "resolved_at"], name="incident_instance_open")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.message[:60]}"


class MessageSubscription(models.Model):
    """An instance waiting for a named message with a correlation key (projection of the state)."""

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="subscriptions",
                                 verbose_name=_("process instance"))
    task_id = models.UUIDField(_("task"))
    name = models.CharField(_("message name"), max_length=200)
    correlation_key = models.CharField(_("correlation key"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("message subscription")
        verbose_name_plural = _("message subscriptions")
        constraints = [models.UniqueConstraint(fields=["instance", "task_id"], name="subscription_task")]
        indexes = [models.Index(fields=["name", "correlation_key"], name="subscription_lookup")]

    def __str__(self) -> str:
        return f"{self.name} [{self.correlation_key}]"


class MessageStatus(models.TextChoices):
    RECEIVED = "received", _("Being delivered")
    CORRELATED = "correlated", _("Delivered to a waiting process")
    STARTED = "started", _("Started a process")
    UNMATCHED = "unmatched", _("Waiting: no process matched")


class Message(models.Model):
    """Every message received, kept whether or not it matched; ``message_id`` makes delivery idempotent."""

    message_id = models.CharField(_("message id"), max_length=200, unique=True)
    name = models.CharField(_("message name"), max_length=200)
    correlation_key = models.CharField(_("correlation key"), max_length=200, blank=True)
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(_("status"), max_length=12, choices=MessageStatus.choices)
    instance = models.ForeignKey(ProcessInstance, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="messages", verbose_name=_("process instance"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    correlated_at = models.DateTimeField(_("correlated at"), null=True, blank=True)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("sender"),
    )

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["status", "name", "correlation_key"], name="message_status_lookup")]

    def __str__(self) -> str:
        return f"{self.name} [{self.correlation_key}] {self.get_status_display()}"


class Notification(models.Model):
    """A notice for a person (a reminder, an overdue flag, an escalation), shown in their worklist."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                             verbose_name=_("user"))
    instance = models.ForeignKey(ProcessInstance, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="notifications", verbose_name=_("process instance"))
    kind = models.CharField(_("kind"), max_length=40)
    message = models.CharField(_("message"), max_length=500)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at", "created_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.message[:60]}"


# --- Object permissions (django-guardian, direct foreign keys: integer/uuid joins, no text casts) --
# Per user only: work reaches people, and a role's open tasks are found through the task table's
# candidate_group and body columns (engine.grants).


class TaskUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="user_grants")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("task permission (user)")
        verbose_name_plural = _("task permissions (user)")


class ProcessInstanceUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="user_grants")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("process permission (user)")
        verbose_name_plural = _("process permissions (user)")

