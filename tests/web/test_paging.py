"""Keyset pages of the worklist: every sort, read page after page, gives each row exactly once in
the order a full sort gives (NULL deadlines last), on the database the suite runs on."""

import random
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from engine import access, services
from engine.models import Task, TaskStatus
from web import paging
from web import worklist as queues

from ..bpmn_helpers import rework_loop


@pytest.fixture
def queue_of_90(deploy_bpmn, make_user):
    """90 open rows offered to the role ``staff``: deadlines with ties and NULLs, priorities 0–3."""
    clerk = make_user("clerk", "staff")
    deploy_bpmn(rework_loop(), "rework_loop")
    instance = services.start("rework_loop", actor=clerk, data={"i": 0, "n": 1})
    rng = random.Random(13)
    base = timezone.now().replace(microsecond=0)
    rows = [Task(id=uuid.uuid4(), instance=instance, bpmn_id="review", name=f"row {n}", candidate_group="staff",
                 status=TaskStatus.OPEN, created_at=base + timedelta(seconds=rng.randint(0, 5)),
                 due_at=None if n % 7 == 0 else base + timedelta(days=rng.randint(0, 4)),
                 priority=rng.randint(0, 3)) for n in range(90)]
    Task.objects.bulk_create(rows)
    return clerk


def python_order(rows, keys):
    """The same order, sorted in Python: NULLs last in either direction."""
    ordered = list(rows)
    for field, descending in reversed(keys):
        present = sorted((r for r in ordered if getattr(r, field) is not None),
                         key=lambda r, f=field: getattr(r, f) if f != "id" else str(getattr(r, f)),
                         reverse=descending)
        ordered = present + [r for r in ordered if getattr(r, field) is None]
    return [r.pk for r in ordered]


@pytest.mark.parametrize("sort", list(queues.SORTS))
def test_every_row_once_in_order(queue_of_90, sort):
    keys = queues.SORTS[sort]
    queryset = access.worklist(queue_of_90, "group")
    seen, cursor, pages = [], None, 0
    while True:
        rows, cursor = paging.page(queryset, keys, cursor, 25)
        seen += [row.pk for row in rows]
        pages += 1
        if cursor is None:
            break
    assert pages == 4 and len(seen) == len(set(seen)) == queryset.count()
    assert seen == [pk for pk in python_order(queryset, keys) if pk in set(seen)]


def test_a_tampered_cursor_starts_again(queue_of_90):
    keys = queues.SORTS["due"]
    queryset = access.worklist(queue_of_90, "group")
    first, cursor = paging.page(queryset, keys, None, 25)
    again, _cursor = paging.page(queryset, keys, cursor[:-3] + "abc", 25)
    assert [r.pk for r in again] == [r.pk for r in first]
