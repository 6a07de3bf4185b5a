"""A task's form as people see it: the definition (schema and UI hints) with the data to show,
which is the person's draft when they kept one, else what the task's data already holds."""

from engine import inspection
from engine.models import Task, TaskStatus

from . import drafts, registry


def task_form(task: Task, user) -> dict | None:
    """``{"key", "schema", "ui", "data", "draft"}`` for ``user``, or None for a task without a form."""
    if not task.form_key:
        return None
    definition = registry.get(task.form_key) or {}
    schema = definition.get("schema")
    draft = drafts.get_draft(task=task, user=user) if task.status == TaskStatus.OPEN else None
    data = draft if draft is not None else {}
    if draft is None and task.status == TaskStatus.OPEN:
        data = inspection.task_data(task, (schema or {}).get("properties", {}))
    return {"key": task.form_key, "schema": schema, "ui": definition.get("ui"), "data": data,
            "draft": draft is not None}
