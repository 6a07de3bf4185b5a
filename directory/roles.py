"""Role resolution: who holds which role in which body, on a given day.

A user holds role R in body B on day D when a position with a grant (R, B) is theirs on D: they
hold it, or an effective written delegation of it lends them R. A Django group named after a role
code also grants that role, in every body (``*``): for service accounts, benchmarks and tests, not
for staff. The engine, the API and the forms call these functions through their settings hooks.
"""

from datetime import date, datetime, time, timedelta

from django.db import connection
from django.utils import timezone

from . import sql
from .models import Role

ANY_BODY = "*"
_CACHE = "_directory_role_pairs"


def _today() -> date:
    return timezone.localdate()


def _run(query: str, params: dict, day: date) -> list[tuple]:
    next_day = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    with connection.cursor() as cursor:
        cursor.execute(query, {**params, "day": day, "next_day": next_day})
        return cursor.fetchall()


def role_pairs(user, at: date | None = None) -> set[tuple[str, str]]:
    """The (role code, body code) pairs ``user`` holds on ``at`` (default today); body ``*`` means
    every body. One query, then cached on the user object, which lives for one request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.pk:
        return set()
    day = at or _today()
    cache = user.__dict__.setdefault(_CACHE, {})
    if day not in cache:
        cache[day] = {(role, body) for role, body in _run(sql.ROLE_PAIRS, {"user": user.pk}, day)}
    return set(cache[day])


def roles_of(user, body_code: str | None = None, *, at: date | None = None) -> set[str]:
    """Role codes ``user`` holds in ``body_code`` (in any body when None) on ``at``."""
    return {role for role, body in role_pairs(user, at) if body_code is None or body in (body_code, ANY_BODY)}


def holders(role_code: str, body_code: str = "", *, at: date | None = None) -> set[int]:
    """Ids of the active users who hold ``role_code`` in ``body_code`` on ``at``: the holders of
    positions granting it there, their effective delegates, and members of the role's group. An
    empty body code means any body (instances without an owning body). One query."""
    return {row[0] for row in _run(sql.HOLDERS, {"role": role_code, "body": body_code or ""}, at or _today())}


def may_complete(user, task) -> bool:
    """The engine's TASK_AUTHORIZER. An assigned task is its assignee's alone; an open one is for
    whoever holds its role (``candidate_group``) in the instance's owning body, which the task row
    carries as ``body`` (so this costs no query beyond the cached ``role_pairs``)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if task.assignee_id is not None:
        return task.assignee_id == user.pk
    if not task.candidate_group:
        return False
    return task.candidate_group in roles_of(user, task.body or None)


def known_roles() -> set[str] | None:
    """The engine's KNOWN_ROLES: the role codes BPMN lanes may name; None (no check) while the
    directory has no roles at all, so that a fresh installation can deploy before it is filled."""
    codes = set(Role.objects.values_list("code", flat=True))
    return codes or None
