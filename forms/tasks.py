"""A task's form as people see it: the definition (schema and UI hints) with the data to show,
which is the person's draft when they kept one, else what the task's data already holds."""

from engine import inspection
from engine.models import Task, TaskStatus

from . import drafts, registry, units


def task_form(task: Task, user) -> dict | None:
    """``{"key", "schema", "ui", "data", "draft", "units"}`` for ``user``, or None for a task without a
    form. ``units`` lists, for each field naming units, the units of the task's body it may name."""
    if not task.form_key:
        return None
    definition = registry.get(task.form_key) or {}
    schema = definition.get("schema")
    draft = drafts.get_draft(task=task, user=user) if task.status == TaskStatus.OPEN else None
    data = draft if draft is not None else {}
    if draft is None and task.status == TaskStatus.OPEN:
        data = inspection.task_data(task, (schema or {}).get("properties", {}))
    choosable = {field: [{"code": code, "name": name} for code, name in
                         (units.candidates(task.form_key, field, body=task.body) or {}).items()]
                 for field in sorted(units.unit_fields(task.form_key))}
    return {"key": task.form_key, "schema": schema, "ui": definition.get("ui"), "data": data,
            "draft": draft is not None, "units": choosable}
