"""Read-only admin pages: engine state changes only through ``engine.services``."""

from django.contrib import admin

from .models import AuditEvent, ProcessDefinition, ProcessInstance, Task


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
