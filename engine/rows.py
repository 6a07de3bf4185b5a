"""The few statements every step runs, written as plain SQL.

A completion runs about ten statements; through the ORM each costs 0.2–0.8 ms of query compiling,
model building and (for inserts) RETURNING rows on top of the database round trip — more than a
third of a step's CPU. These are the hot ones: lock the instance, re-read the task, store the
instance, close tasks, insert the step's new rows, delete grants and drafts, look up assignees.
They are portable SQL (PostgreSQL and SQLite) built from the models' own table and column names.
This module is the one home of hand-built SQL: other apps call these functions.
"""

import functools
import re
import uuid
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import BooleanField, Field, Model
from django.db.models.expressions import RawSQL
from django.utils import timezone

from .models import ProcessInstance, Task

_INSTANCE_FIELDS = list(ProcessInstance._meta.concrete_fields)
_TASK_FIELDS = list(Task._meta.concrete_fields)
_STORED = ["state", "revision", "status", "ended_at", "audit_seq", "audit_head", "next_timer_at", "definition_id",
           "subject", "business_key", "sender", "outcome"]


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
    for (column, converters), value in zip(_converters(model, connection.vendor), row, strict=True):
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
    fields = [_table_field(ProcessInstance, name) for name in _STORED]
    assignments = ", ".join(f"{connection.ops.quote_name(column)} = %s" for _, column in fields)
    values = [f.get_db_prep_save(getattr(instance, f.attname), connection) for f, _ in fields]
    table = connection.ops.quote_name(ProcessInstance._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {assignments} WHERE id = %s AND revision = %s",
                       [*values, _db_uuid(instance.pk), previous_revision])
        return cursor.rowcount == 1


def describe_tasks(instance: ProcessInstance) -> None:
    """Give every task row of the instance its current subject and sender (they changed)."""
    table = connection.ops.quote_name(Task._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET subject = %s, sender = %s WHERE instance_id = %s",
                       [instance.subject, instance.sender, _db_uuid(instance.pk)])


def close_tasks(task_ids: list, *, status: str, when, actor_id) -> None:
    table = connection.ops.quote_name(Task._meta.db_table)
    field = Task._meta.get_field("completed_at")
    placeholders = ", ".join(["%s"] * len(task_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, completed_at = %s, completed_by_id = %s WHERE id IN ({placeholders})",
            [status, field.get_db_prep_save(when, connection), actor_id, *map(_db_uuid, task_ids)])


def increment(model, pk, field: str) -> int:
    """Add one to a counter column and return the new value in one statement: the row is locked
    from here to the commit, so nothing else should run in between (a register's number series)."""
    quote = connection.ops.quote_name
    table, column, key = quote(model._meta.db_table), quote(model._meta.get_field(field).column), quote(
        model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = {column} + 1 WHERE {key} = %s RETURNING {column}", [pk])
        return cursor.fetchone()[0]


def increment_into(counter, field: str, *, entry, entry_field: str, target, target_field: str, also: list[str]) -> int:
    """Add one to ``counter.field`` and, in the same statement on PostgreSQL, insert ``entry`` with
    the new value as ``entry_field`` and write it to ``target.target_field`` with ``target``'s
    fields ``also`` as they are. Both objects get the value (and ``entry`` its id), which is returned.

    The counter row stays locked until the commit and every transaction numbering from it waits
    meanwhile; one statement is one round trip inside that lock, where three each wait for their
    client to be scheduled again (a register's series, ``documents.numbering``). SQLite serialises
    writers anyway and runs the three statements."""
    if connection.vendor != "postgresql":
        value = increment(type(counter), counter.pk, field)
        setattr(entry, entry_field, value)
        entry.save(force_insert=True)
        written = {name: getattr(target, name) for name in also}
        if not type(target)._base_manager.filter(pk=target.pk).update(**{target_field: value}, **written):
            raise target.DoesNotExist(f"{target._meta.object_name} {target.pk} is not stored: nothing numbered")
        setattr(target, target_field, value)
        setattr(counter, field, value)
        return value
    quote = connection.ops.quote_name
    counted = quote(_table_field(type(counter), field)[1])
    inserted = [f for f in entry._meta.concrete_fields if not f.primary_key]
    values = ", ".join("(SELECT value FROM counted)" if f.name == entry_field else "%s" for f in inserted)
    stored = [_table_field(type(target), name) for name in also]
    target_table, target_key = quote(target._meta.db_table), quote(target._meta.pk.column)
    sql = (f"WITH counted AS (UPDATE {quote(counter._meta.db_table)} SET {counted} = {counted} + 1 "
           f"WHERE {quote(counter._meta.pk.column)} = %s RETURNING {counted} AS value), "
           f"entry AS (INSERT INTO {quote(entry._meta.db_table)} ({', '.join(quote(f.column) for f in inserted)}) "
           f"VALUES ({values}) RETURNING {quote(entry._meta.pk.column)} AS id, "
           f"{quote(_table_field(type(entry), entry_field)[1])} AS value) "
           f"UPDATE {target_table} SET {quote(_table_field(type(target), target_field)[1])} = entry.value"
           + "".join(f", {quote(column)} = %s" for _field, column in stored)
           + f" FROM entry WHERE {target_table}.{target_key} = %s RETURNING entry.id, entry.value")
    params = [counter.pk]
    params += [f.get_db_prep_save(f.pre_save(entry, True), connection) for f in inserted if f.name != entry_field]
    params += [f.get_db_prep_save(getattr(target, f.attname), connection) for f, _column in stored]
    params.append(target._meta.pk.get_db_prep_value(target.pk, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise target.DoesNotExist(f"{target._meta.object_name} {target.pk} is not stored: nothing numbered")
    entry.pk, value = row
    entry._state.adding, entry._state.db = False, connection.alias
    for obj, name in ((entry, entry_field), (target, target_field), (counter, field)):
        setattr(obj, name, value)
    return value


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


def delete_where(model, *, any_of: list[dict] | None = None, **equal) -> int:
    """One plain DELETE of the rows whose columns equal the given values (a list or tuple: any of
    them), and, with ``any_of``, that match one of those column sets. Only for rows nothing refers to
    and no signal watches (grants, drafts): the ORM's delete would read them first, for cascades."""
    quote = connection.ops.quote_name
    conditions, params = [], []

    def column(name):
        field = model._meta.get_field(name)
        return field, quote(field.column)

    for name, value in equal.items():
        field, col = column(name)
        values = list(value) if isinstance(value, (list, tuple, set)) else [value]
        if not values:
            return 0
        conditions.append(f"{col} IN ({', '.join(['%s'] * len(values))})")
        params += [field.get_db_prep_value(v, connection) for v in values]
    if any_of is not None:
        if not any_of:
            return 0
        alternatives = []
        for match in any_of:
            parts = []
            for name, value in match.items():
                field, col = column(name)
                parts.append(f"{col} = %s")
                params.append(field.get_db_prep_value(value, connection))
            alternatives.append("(" + " AND ".join(parts) + ")")
        conditions.append("(" + " OR ".join(alternatives) + ")")
    where = " AND ".join(conditions) or "1 = 1"
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(model._meta.db_table)} WHERE {where}", params)
        return cursor.rowcount


def user_ids(usernames: list[str]) -> dict[str, int]:
    """Active users by username."""
    model = get_user_model()
    name = connection.ops.quote_name(_table_field(model, model.USERNAME_FIELD)[1])
    placeholders = ", ".join(["%s"] * len(usernames))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {name}, id FROM {connection.ops.quote_name(model._meta.db_table)} "
                       f"WHERE is_active = %s AND {name} IN ({placeholders})", [True, *usernames])
        return dict(cursor.fetchall())


def full_text_index_sql(model: type[Model], field: str, name: str, *, tag: str | None = None) -> str:
    """The PostgreSQL index ``words_filter`` uses ('simple' configuration: no stemming, the words
    as written; callers store text without diacritics so either spelling matches). With ``tag``,
    the value of that field is one more word of each row (``#`` and the value, which no text's
    words can be: the parser drops the ``#``), so that ``tagged`` asks the same index for the rows
    of some values and the words narrow them down inside it."""
    quote = connection.ops.quote_name
    return (f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {quote(model._meta.db_table)} "
            f"USING gin (({_search_vector(model, field, tag)}))")


def _search_vector(model: type[Model], field: str, tag: str | None) -> str:
    quote = connection.ops.quote_name
    vector = f"to_tsvector('simple', {quote(_table_field(model, field)[1])})"
    if tag is None:
        return vector
    return f"{vector} || array_to_tsvector(ARRAY['#' || {quote(_table_field(model, tag)[1])}])"


def words_filter(queryset, field: str, words: list[str], *, tag: str | None = None):
    """Rows whose ``field`` holds every one of ``words``: on PostgreSQL through the full-text index
    above (the same expression, with the configuration in the text so a prepared plan still uses
    it; ``tag`` as the index has it), elsewhere each word as a substring."""
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        vector = _search_vector(queryset.model, field, tag)
        return queryset.extra(where=[f"({vector}) @@ plainto_tsquery('simple', %s)"], params=[" ".join(words)])
    for word in words:
        queryset = queryset.filter(**{f"{field}__contains": word})
    return queryset


def tagged(model: type[Model], field: str, tag: str, values) -> RawSQL:
    """PostgreSQL: the rows whose ``tag`` is one of ``values``, as a condition the full-text index
    made with that ``tag`` answers by itself (combined with a ``words_filter``, in one index scan).
    A plain equality on the column would let the planner take a B-tree index for it and test the
    words row by row. ``values`` must not be empty."""
    words = " | ".join("'#" + str(value).replace("\\", "\\\\").replace("'", "''") + "'" for value in sorted(values))
    return RawSQL(f"({_search_vector(model, field, tag)}) @@ %s::tsquery", [words], output_field=BooleanField())


def usernames(user_ids) -> dict[int, str]:
    """Usernames by user id (any account, active or not)."""
    ids = list(user_ids)
    if not ids:
        return {}
    model = get_user_model()
    name = connection.ops.quote_name(_table_field(model, model.USERNAME_FIELD)[1])
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {name} FROM {connection.ops.quote_name(model._meta.db_table)} "
                       f"WHERE id IN ({placeholders})", ids)
        return dict(cursor.fetchall())


def _table_field(model: type[Model], name: str) -> tuple[Field, str]:
    """``model``'s field ``name`` and its column: only a field stored in the table, which always has one."""
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column is not None
    return field, field.column


def _db_uuid(value):
    return Task._meta.pk.get_db_prep_value(value, connection)


# --- ORM queries compiled once, run with new values ---------------------------------------------
# Some reads are stated as querysets, so that their rules live with their models, yet run on every
# request, where compiling the queryset would cost more than running it. They are compiled once per
# database vendor and time zone from stand-in values; each call only puts its own values in.

_COMPILED: dict[tuple, tuple[str, dict]] = {}
_PLACEHOLDER = re.compile("%%|%s")


def run_compiled(build, **values) -> list[tuple]:
    """Raw rows (no converters) of the queryset ``build(**values)``, compiled on first use only.
    ``build`` is a module-level function; each value an int, a str, a date or a UUID that the queryset only
    compares with (``_compile`` refuses a value it derives others from, which could not be filled in)."""
    db = connections[DEFAULT_DB_ALIAS]
    key = (build, tuple(values), db.vendor, timezone.get_current_timezone_name())
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = _COMPILED[key] = _compile(db, build, values)
    sql, params = compiled
    params = params.copy()
    for name, value in values.items():
        params[name] = _as_param(db, value)
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def fetch_compiled(model, build, **values) -> list:
    """``run_compiled`` for a queryset of ``model`` as it is (all its columns, in order, nothing
    deferred or selected with it): the rows as model instances."""
    fields = model._meta.concrete_fields
    return [_from_row(model, fields, row) for row in run_compiled(build, **values)]


def _as_param(db, value):
    """A value as the ORM hands it to the database driver when comparing with it."""
    if isinstance(value, uuid.UUID):
        return value if db.features.has_native_uuid_field else value.hex
    return db.ops.adapt_datefield_value(value) if isinstance(value, date) else value


def _stand_in(name: str, value, serial: int):
    """A value of the same kind that no query holds as a constant."""
    if isinstance(value, (bool, datetime)) or not isinstance(value, (int, str, date, uuid.UUID)):
        raise TypeError(f"run_compiled: {name}={value!r}: only an int, a str, a date or a UUID can be filled in")
    if isinstance(value, int):
        return -7919 - serial
    if isinstance(value, str):
        return f"\x00{name}\x00{serial}"
    if isinstance(value, uuid.UUID):
        return uuid.UUID(int=0x7919_0000_0000 + serial)
    return date(2900, 1, 1) + timedelta(days=serial)


def _compile(db, build, values: dict) -> tuple[str, dict]:
    """The SQL of ``build`` with named placeholders (the names of ``values``, ``_<n>`` for constants)
    and the constants. Named, because SQLite's cursor wrapper rewrites positional ones with a regular
    expression on every call. Compiled twice with different stand-ins: a parameter that differs
    between the two but is no stand-in (a value derived from one, such as the next day) is refused
    rather than left stale."""
    where = build.__qualname__
    if any(name.startswith("_") for name in values):
        raise ValueError(f"run_compiled: {where}: names starting with _ are the constants'")
    rounds = []
    for round_ in (0, 1):
        stand_ins = {name: _stand_in(name, value, 2 * position + round_)
                     for position, (name, value) in enumerate(values.items())}
        rounds.append((stand_ins, *build(**stand_ins).query.sql_with_params()))
    (first, sql, params), (second, sql_again, params_again) = rounds
    if sql != sql_again:
        raise ValueError(f"run_compiled: the SQL of {where} depends on its values")
    names, constants = [], {}
    for index, (one, other) in enumerate(zip(params, params_again, strict=True)):
        if one == other:
            names.append(f"_{index}")
            constants[names[-1]] = one
            continue
        name = next((name for name in values
                     if _as_param(db, first[name]) == one and _as_param(db, second[name]) == other), None)
        if name is None:
            raise ValueError(f"run_compiled: parameter {index} of {where} is derived from a value")
        names.append(name)
    if unused := set(values) - set(names):
        raise ValueError(f"run_compiled: {where} does not use {', '.join(sorted(unused))}")
    if sum(found[0] == "%s" for found in _PLACEHOLDER.finditer(sql)) != len(names):
        raise ValueError(f"run_compiled: the placeholders of {where} do not match its parameters")
    placeholders = iter(names)
    named = _PLACEHOLDER.sub(lambda found: "%%" if found[0] == "%%" else f"%({next(placeholders)})s", sql)
    return named, constants
