"""The bodies each person has worked in (``models.Participation``): started an instance of, or
completed a task of. Kept as each step is stored (``steps.write``), so that "has this person ever
worked outside these bodies?" is read from a few rows instead of their whole history: a clerk
completes thousands of tasks a year, all in her own body, and ``documents.access`` asks before
every search (reading her history for it cost 5–10 ms a search, ``docs/BENCHMARKS.md``).

A row is never taken back, even when the work it stands for is (a cancelled instance keeps its
tasks): the table may say more than the history, never less. Whoever asks treats a row as "maybe"."""

from django.db.models import QuerySet

from . import rows
from .models import Participation, ProcessInstance, Task


def record(pairs) -> None:
    """Note (user id, body) pairs, in the step's transaction; pairs already noted are skipped by the
    database. Sorted, so that two steps noting the same pairs take their locks in the same order."""
    ordered = sorted({(user_id, body) for user_id, body in pairs if user_id is not None})
    rows.insert(Participation, [Participation(user_id=user_id, body=body) for user_id, body in ordered],
                ignore_conflicts=True)


def of_plans(plans) -> set[tuple[int, str]]:
    """The pairs a batch of steps adds: who started a new instance, who completed a task."""
    pairs = set()
    for plan in plans:
        body = plan.instance.body
        if plan.insert and plan.instance.started_by_id is not None:
            pairs.add((plan.instance.started_by_id, body))
        pairs.update((actor.pk, body) for actor in plan.completed.values() if getattr(actor, "pk", None) is not None)
    return pairs


def rebuild() -> None:
    """Note every pair the stored history holds: for rows written without the engine's steps (the
    migration that added the table, a benchmark's bulk load)."""
    started = ProcessInstance.objects.filter(started_by__isnull=False).values_list("started_by_id", "body")
    completed = (Task.objects.filter(completed_by__isnull=False)
                 .values_list("completed_by_id", "instance__body"))
    record({*started.distinct(), *completed.distinct()})


def outside(user, bodies: set[str]) -> QuerySet:
    """The bodies outside ``bodies`` where ``user`` has worked (as an ``Exists``-able queryset)."""
    return Participation.objects.filter(user_id=user.pk).exclude(body__in=bodies)
