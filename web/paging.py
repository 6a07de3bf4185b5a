"""Keyset pagination: the next page starts after the last row's sort values (a signed cursor), so
page 500 of a queue costs what page 1 costs, however many rows the task table holds; no COUNT of
the whole result and no OFFSET. Sort keys are (field, descending) pairs ending with a unique one;
NULLs sort last in either direction, the same on PostgreSQL and SQLite."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from django.core import signing
from django.db.models import F, Q, QuerySet

SALT = "web.paging"


def order_by(keys: Sequence[tuple[str, bool]]) -> list:
    return [F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
            for field, descending in keys]


def _encode(value):
    if isinstance(value, UUID):
        return str(value)
    return {"t": value.isoformat()} if isinstance(value, datetime) else value


def _decode(value):
    return datetime.fromisoformat(value["t"]) if isinstance(value, dict) else value


def cursor_of(row, keys: Sequence[tuple[str, bool]]) -> str:
    return signing.dumps([_encode(getattr(row, field)) for field, _descending in keys], salt=SALT, compress=True)


def _after(keys: Sequence[tuple[str, bool]], values: list) -> Q:
    """Rows strictly after ``values`` in the order of ``keys``."""
    condition = Q(pk__in=[])
    equal = Q()
    for (field, descending), value in zip(keys, values, strict=True):
        if value is None:  # NULLs come last: nothing sorts after one but other NULLs
            beyond = Q(pk__in=[])
            same = Q(**{f"{field}__isnull": True})
        else:
            beyond = Q(**{f"{field}__{'lt' if descending else 'gt'}": value}) | Q(**{f"{field}__isnull": True})
            same = Q(**{field: value})
        condition |= equal & beyond
        equal &= same
    return condition


def page(queryset: QuerySet, keys: Sequence[tuple[str, bool]], cursor: str | None, size: int):
    """(rows, next cursor or None). An unreadable or tampered cursor starts from the first page."""
    queryset = queryset.order_by(*order_by(keys))
    if cursor:
        try:
            values = [_decode(v) for v in signing.loads(cursor, salt=SALT)]
            if len(values) == len(keys):
                queryset = queryset.filter(_after(keys, values))
        except (signing.BadSignature, TypeError, ValueError, KeyError):
            pass
    rows = list(queryset[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (cursor_of(rows[-1], keys) if more and rows else None)
