"""Shapes of the API: requests are validated here (shape only), responses documented here."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from directory.people import display_name
from engine.models import AuditEvent, Incident, Notification, ProcessDefinition, ProcessInstance, Task


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)


class DefinitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProcessDefinition
        fields = ["key", "version", "name", "deployed_at"]


class DeployWarningSerializer(serializers.Serializer):
    file = serializers.CharField()
    line = serializers.IntegerField(allow_null=True)
    element = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class DeployedSerializer(serializers.Serializer):
    key = serializers.CharField()
    version = serializers.IntegerField()
    created = serializers.BooleanField()
    definitions = DefinitionSerializer(many=True)
    warnings = DeployWarningSerializer(many=True, help_text=_(
        "Accepted, but worth a look: e.g. a gateway condition reading a variable that nothing in the process "
        "may set, which fails when it is evaluated unless the data given at start has it."))


class DeployRequestSerializer(serializers.Serializer):
    file = serializers.ListField(child=serializers.FileField(max_length=255), min_length=1, max_length=20,
                                 help_text=_("One or more .bpmn/.dmn files (multipart, field name 'file')."))


class StartSerializer(serializers.Serializer):
    # DRF's metaclass takes declared fields off the class, so Serializer.data stays the property.
    data = serializers.DictField(required=False, default=dict)  # type: ignore[assignment]
    business_key = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    body = serializers.CharField(required=False, allow_blank=True, default="", max_length=100, help_text=_(
        "The owning body (its code). Left out: the body where the caller holds the role that starts the process; "
        "when they hold it in several, the start is refused with body_required and the list to choose from."))


class BodyChoiceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class StartProblemSerializer(serializers.Serializer):
    """A refused start as problem details (RFC 9457)."""

    type = serializers.CharField(help_text=_("Ends with the code, e.g. …/body_required, …/invalid_data."))
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.DictField(  # type: ignore[assignment]  # see StartSerializer
        required=False, help_text=_("Messages by field, e.g. body."))
    bodies = BodyChoiceSerializer(many=True, required=False, help_text=_(
        "body_required only: the bodies the caller may start the process in, to send one of them as body."))


class CompleteSerializer(serializers.Serializer):
    data = serializers.DictField(required=False, default=dict)  # type: ignore[assignment]  # see StartSerializer


class DraftSerializer(serializers.Serializer):
    data = serializers.DictField()  # type: ignore[assignment]  # see StartSerializer


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class ReassignSerializer(ReasonSerializer):
    assignee = serializers.CharField(
        max_length=150, allow_null=True,
        help_text=_("Username of the new assignee, or null to give the task back to its role."))


class MigrateSerializer(ReasonSerializer):
    version = serializers.IntegerField(min_value=1)


class MessageSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    correlation_key = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    message_id = serializers.CharField(max_length=200)
    data = serializers.DictField(required=False, default=dict)  # type: ignore[assignment]  # see StartSerializer


class DeliverySerializer(serializers.Serializer):
    message_id = serializers.CharField()
    status = serializers.CharField(help_text="correlated | started | unmatched")
    duplicate = serializers.BooleanField()
    instance = serializers.UUIDField(allow_null=True)


class TaskSerializer(serializers.ModelSerializer):
    process = serializers.CharField(source="instance.definition.key", read_only=True)
    business_key = serializers.CharField(source="instance.business_key", read_only=True)
    instance = serializers.UUIDField(source="instance_id", read_only=True)
    assignee = serializers.CharField(source="assignee.username", read_only=True, allow_null=True, default=None)
    role = serializers.CharField(source="candidate_group", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = ["id", "instance", "process", "business_key", "subject", "sender", "bpmn_id", "name", "lane", "role",
                  "assignee", "form_key", "due_at", "overdue", "priority", "status", "created_at", "completed_at"]

    def get_overdue(self, task) -> bool:
        return bool(task.status == "open" and task.due_at and task.due_at < timezone.now())

    def to_representation(self, task) -> dict:
        """Built directly: this is every worklist row and every completion's answer, and DRF's
        field-by-field path (fields rebuilt from the model per serializer) cost more than the rest
        of a completion. The declared fields above stay the schema; a test keeps both in step."""
        instance = task.instance
        return {
            "id": str(task.id), "instance": str(task.instance_id), "process": instance.definition.key,
            "business_key": instance.business_key, "subject": task.subject, "sender": task.sender,
            "bpmn_id": task.bpmn_id, "name": task.name, "lane": task.lane,
            "role": task.candidate_group, "assignee": task.assignee.username if task.assignee_id else None,
            "form_key": task.form_key, "due_at": _datetime(task.due_at), "overdue": self.get_overdue(task),
            "priority": task.priority, "status": task.status, "created_at": _datetime(task.created_at),
            "completed_at": _datetime(task.completed_at),
        }


_DATETIME = serializers.DateTimeField()


def _datetime(value):
    return None if value is None else _DATETIME.to_representation(value)


class CompletedSerializer(TaskSerializer):
    next_tasks = TaskSerializer(many=True, read_only=True,
                                help_text=_("Tasks of the same process now open to the caller."))

    class Meta(TaskSerializer.Meta):
        fields = [*TaskSerializer.Meta.fields, "next_tasks"]

    def to_representation(self, task) -> dict:
        return {**super().to_representation(task),
                "next_tasks": [TaskSerializer.to_representation(self, row) for row in task.next_tasks]}


class TaskFormSerializer(serializers.Serializer):
    key = serializers.CharField()
    schema = serializers.DictField(allow_null=True, help_text=_("JSON Schema 2020-12: what the data must be."))
    ui = serializers.DictField(allow_null=True, help_text=_("How to show the form: field order, labels, widgets."))
    data = serializers.DictField(  # type: ignore[assignment]  # see StartSerializer
        help_text=_("The caller's draft, else what the task's data already holds."))
    draft = serializers.BooleanField()
    people = serializers.DictField(
        child=serializers.URLField(),
        help_text=_("For each field that names people, the address that lists whom it may name."))
    units = serializers.DictField(
        child=serializers.ListField(child=serializers.DictField()),
        help_text=_("For each field that names units, the units of the task's body it may name: code and name."))


class TaskDetailSerializer(TaskSerializer):
    form = TaskFormSerializer(read_only=True, allow_null=True)

    class Meta(TaskSerializer.Meta):
        fields = [*TaskSerializer.Meta.fields, "form"]

    def get_form(self, task) -> dict | None:
        return self.context.get("form")

    def to_representation(self, task) -> dict:
        return {**super().to_representation(task), "form": self.get_form(task)}


class BodySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class HeldPositionSerializer(serializers.Serializer):
    title = serializers.CharField()
    body = BodySerializer()


class ChoosablePersonSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField(help_text=_("The full name, family name first, else the username."))
    positions = HeldPositionSerializer(many=True, help_text=_("The positions the person holds today."))


class TaskPeopleSerializer(serializers.Serializer):
    field = serializers.CharField()
    role = serializers.CharField(help_text=_("The role the field asks for, in the task's body."))
    people = ChoosablePersonSerializer(many=True, help_text=_("Sorted by given name."))


class InstanceSerializer(serializers.ModelSerializer):
    process = serializers.CharField(source="definition.key", read_only=True)
    version = serializers.IntegerField(source="definition.version", read_only=True)

    class Meta:
        model = ProcessInstance
        fields = ["id", "process", "version", "business_key", "status", "body", "subject", "sender", "outcome",
                  "started_at", "ended_at", "next_timer_at"]


class StepSerializer(serializers.Serializer):
    bpmn_id = serializers.CharField()
    name = serializers.CharField(allow_blank=True)
    kind = serializers.CharField()
    task = serializers.UUIDField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True, required=False)


class IncidentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Incident
        fields = ["id", "instance", "kind", "element", "message", "created_at", "resolved_at"]


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "message", "instance", "created_at", "read_at"]
        read_only_fields = fields


class InstanceDetailSerializer(InstanceSerializer):
    active_steps = StepSerializer(many=True, read_only=True)
    completed_steps = StepSerializer(many=True, read_only=True)
    data = serializers.DictField(allow_null=True, read_only=True)  # type: ignore[assignment]  # see StartSerializer
    incidents = IncidentSerializer(many=True, read_only=True)

    class Meta(InstanceSerializer.Meta):
        fields = [*InstanceSerializer.Meta.fields, "active_steps", "completed_steps", "data", "incidents"]


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name", help_text=_("The actor's username (empty for the system)."))
    actor_id = serializers.IntegerField(allow_null=True, read_only=True)
    actor_display = serializers.SerializerMethodField(help_text=_("The actor's full name, else the username."))
    task = serializers.UUIDField(source="task_id", allow_null=True)

    class Meta:
        model = AuditEvent
        fields = ["seq", "at", "actor", "actor_id", "actor_display", "action", "task", "element", "before", "after"]

    def get_actor_display(self, event) -> str:
        return display_name(event.actor) if event.actor is not None else event.actor_name


class DiagramSerializer(serializers.Serializer):
    bpmn = serializers.CharField(help_text=_("The BPMN XML of the version the instance runs."))
    states = serializers.DictField(child=serializers.CharField(),
                                   help_text=_("BPMN id -> active | waiting | completed"))
