"""Read-only admin pages: engine state changes only through ``engine.services``."""

from django.contrib import admin

from .models import (
    AuditEvent,
    CalendarDay,
    Incident,
    Job,
    LegalClock,
    Message,
    ProcessDefinition,
    ProcessInstance,
    Task,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProcessDefinition)
class ProcessDefinitionAdmin(ReadOnlyAdmin):
    list_display = ("key", "version", "name", "deployed_at", "deployed_by")
    list_filter = ("key",)
    search_fields = ("key", "name")


class TaskInline(admin.TabularInline):
    model = Task
    fields = ("bpmn_id", "name", "status", "candidate_group", "assignee", "due_at", "completed_by")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProcessInstance)
class ProcessInstanceAdmin(ReadOnlyAdmin):
    list_display = ("id", "definition", "business_key", "status", "revision", "started_at", "ended_at")
    list_filter = ("status", "definition__key")
    search_fields = ("business_key", "id")
    exclude = ("state",)
    inlines = [TaskInline]


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ("name", "bpmn_id", "instance", "status", "candidate_group", "assignee", "due_at", "priority")
    list_filter = ("status", "candidate_group")
    search_fields = ("name", "bpmn_id")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("stream", "seq", "action", "actor_name", "element", "at")
    list_filter = ("action",)
    search_fields = ("stream", "actor_name", "element")


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Days off and working Saturdays the Government or the body announces; the engine re-reads
    the calendar at its next use in every process that shares the cache (``engine.calendar``)."""

    list_display = ("day", "kind", "name", "created_by")
    list_filter = ("kind",)
    fields = ("day", "kind", "name")

    def save_model(self, request, obj, form, change):
        obj.created_by = obj.created_by or request.user
        super().save_model(request, obj, form, change)


@admin.register(LegalClock)
class LegalClockAdmin(ReadOnlyAdmin):
    list_display = ("instance", "name", "status", "due_at", "extended_days")
    list_filter = ("status",)


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ("handler", "element", "instance", "status", "attempts", "run_after", "finished_at")
    list_filter = ("status", "handler")


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ("instance", "kind", "element", "created_at", "resolved_at")
    list_filter = ("kind",)


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("message_id", "name", "correlation_key", "status", "instance", "received_at")
    list_filter = ("status", "name")
    search_fields = ("message_id", "correlation_key")
