"""The few statements every step runs, written as plain SQL.

A completion runs about ten statements; through the ORM each costs 0.2–0.8 ms of query compiling,
model building and (for inserts) RETURNING rows on top of the database round trip — more than a
third of a step's CPU. These are the hot ones: lock the instance, re-read the task, store the
instance, close tasks, insert the step's new rows, look up assignees. They are portable SQL
(PostgreSQL and SQLite) built from the models' own table and column names.
"""

import functools

from django.db import connection

from .models import ProcessInstance, Task

_INSTANCE_FIELDS = list(ProcessInstance._meta.concrete_fields)
_TASK_FIELDS = list(Task._meta.concrete_fields)
_STORED = ["state", "revision", "status", "ended_at", "audit_seq", "audit_head", "next_timer_at", "definition_id"]


@functools.cache
def _select(model, vendor: str) -> str:
    columns = ", ".join(connection.ops.quote_name(f.column) for f in model._meta.concrete_fields)
    return f"SELECT {columns} FROM {connection.ops.quote_name(model._meta.db_table)} WHERE "


@functools.cache
def _converters(model, vendor: str) -> list:
    """Per column, the functions Django applies to turn a database value into a Python one."""
    found = []
    for field in model._meta.concrete_fields:
        column = field.get_col(model._meta.db_table)
        found.append((column, connection.ops.get_db_converters(column) + field.get_db_converters(connection)))
    return found


def _from_row(model, fields, row):
    converted = []
    for (column, converters), value in zip(_converters(model, connection.vendor), row):
        for converter in converters:
            value = converter(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, [f.attname for f in fields], converted)


def lock_instance(instance_id) -> ProcessInstance | None:
    """The instance row, locked for this transaction (SQLite serialises writers anyway)."""
    sql = _select(ProcessInstance, connection.vendor) + "id = %s"
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, [_db_uuid(instance_id)])
        row = cursor.fetchone()
    return _from_row(ProcessInstance, _INSTANCE_FIELDS, row) if row else None


def read_task(task_id) -> Task | None:
    with connection.cursor() as cursor:
        cursor.execute(_select(Task, connection.vendor) + "id = %s", [_db_uuid(task_id)])
        row = cursor.fetchone()
    return _from_row(Task, _TASK_FIELDS, row) if row else None


@functools.cache
def _select_with(model, relation: str, vendor: str) -> str:
    field = model._meta.get_field(relation)
    related, quote = field.related_model, connection.ops.quote_name
    main, other = quote(model._meta.db_table), quote(related._meta.db_table)
    columns = [f"{main}.{quote(f.column)}" for f in model._meta.concrete_fields]
    columns += [f"{other}.{quote(f.column)}" for f in related._meta.concrete_fields]
    return (f"SELECT {', '.join(columns)} FROM {main} JOIN {other} "
            f"ON {other}.{quote(related._meta.pk.column)} = {main}.{quote(field.column)} WHERE ")


def fetch_with(model, relation: str, where: str, params: list) -> list:
    """Rows of ``model`` matching a plain SQL condition, as model instances, each with the object
    its foreign key ``relation`` points to read in the same query (for other hot reads: the API's
    token and its user). Columns the condition names unqualified must not exist in both tables."""
    related = model._meta.get_field(relation).related_model
    width = len(model._meta.concrete_fields)
    found = []
    with connection.cursor() as cursor:
        cursor.execute(_select_with(model, relation, connection.vendor) + where, params)
        for row in cursor.fetchall():
            obj = _from_row(model, model._meta.concrete_fields, row[:width])
            setattr(obj, relation, _from_row(related, related._meta.concrete_fields, row[width:]))
            found.append(obj)
    return found


def store_instance(instance: ProcessInstance, previous_revision: int) -> bool:
    """Write the step's fields only if the revision is still the one read."""
    fields = [ProcessInstance._meta.get_field(name) for name in _STORED]
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    values = [f.get_db_prep_save(getattr(instance, f.attname), connection) for f in fields]
    table = connection.ops.quote_name(ProcessInstance._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {assignments} WHERE id = %s AND revision = %s",
                       [*values, _db_uuid(instance.pk), previous_revision])
        return cursor.rowcount == 1


def close_tasks(task_ids: list, *, status: str, when, actor_id) -> None:
    table = connection.ops.quote_name(Task._meta.db_table)
    field = Task._meta.get_field("completed_at")
    placeholders = ", ".join(["%s"] * len(task_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, completed_at = %s, completed_by_id = %s WHERE id IN ({placeholders})",
            [status, field.get_db_prep_save(when, connection), actor_id, *map(_db_uuid, task_ids)])


def insert(model, objects: list, *, ignore_conflicts: bool = False) -> None:
    """One multi-row INSERT without RETURNING (the callers never need database-made ids)."""
    if not objects:
        return
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.get_internal_type() in (
        "AutoField", "BigAutoField")) and not f.generated]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    values = []
    for obj in objects:
        for field in fields:
            values.append(field.get_db_prep_save(field.pre_save(obj, True), connection))
    table = connection.ops.quote_name(model._meta.db_table)
    verb = "INSERT OR IGNORE" if ignore_conflicts and connection.vendor == "sqlite" else "INSERT"
    suffix = " ON CONFLICT DO NOTHING" if ignore_conflicts and connection.vendor != "sqlite" else ""
    batch = max(1, 900 // len(fields))  # SQLite allows 999 parameters per statement
    for start in range(0, len(objects), batch):
        chunk = values[start * len(fields):(start + batch) * len(fields)]
        rows_sql = ", ".join([row] * (len(chunk) // len(fields)))
        with connection.cursor() as cursor:
            cursor.execute(f"{verb} INTO {table} ({columns}) VALUES {rows_sql}{suffix}", chunk)


def user_ids(usernames: list[str]) -> dict[str, int]:
    """Active users by username."""
    from django.contrib.auth import get_user_model

    model = get_user_model()
    name = connection.ops.quote_name(model._meta.get_field(model.USERNAME_FIELD).column)
    placeholders = ", ".join(["%s"] * len(usernames))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {name}, id FROM {connection.ops.quote_name(model._meta.db_table)} "
                       f"WHERE is_active = %s AND {name} IN ({placeholders})", [True, *usernames])
        return dict(cursor.fetchall())


def _db_uuid(value):
    return Task._meta.pk.get_db_prep_value(value, connection)
