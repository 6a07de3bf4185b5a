"""Role resolution: who holds a role in a body, today or on a given day.

A BPMN lane names a role; an instance belongs to a body. A user holds role R in body B when a
position granting R sits in B or in a body under B (the office's clerk is the Party Committee's
clerk), and they hold that position on the day, or a written delegation of it is in force. A
Django group named after a role code grants that role in every body (service accounts, tests).
"""

import threading
import time
from datetime import date

from django.db.models import Q
from django.utils import timezone

from .models import Body, Delegation, Holding, Position, Role

ANY_BODY = "*"
_TTL = 60.0
_parents: tuple[float, dict] | None = None
_lock = threading.Lock()


def _parent_map() -> dict[str, str | None]:
    """Body code -> parent code, re-read at most every minute (bodies rarely change)."""
    global _parents
    with _lock:
        if _parents is not None and time.monotonic() - _parents[0] < _TTL:
            return _parents[1]
    mapping = dict(Body.objects.values_list("code", "parent__code"))
    with _lock:
        _parents = (time.monotonic(), mapping)
    return mapping


def invalidate() -> None:
    global _parents
    with _lock:
        _parents = None


def _with_ancestors(code: str) -> list[str]:
    parents, found, seen = _parent_map(), [], set()
    while code and code not in seen:
        seen.add(code)
        found.append(code)
        code = parents.get(code)
    return found


def _today() -> date:
    return timezone.localdate()


def _in_force(day: date, prefix: str = "") -> Q:
    return (Q(**{f"{prefix}valid_from__lte": day})
            & (Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})))


def role_pairs(user, at: date | None = None) -> set[tuple[str, str]]:
    """The (role, body code) pairs the user holds; ``*`` as body: every body. One query, plus the
    cached body tree; cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    cache_key = f"_directory_roles_{at or ''}"
    cached = getattr(user, cache_key, None)
    if cached is not None:
        return cached
    day = at or _today()
    held = Holding.objects.filter(_in_force(day), user_id=user.pk).values("position_id")
    delegated = Delegation.objects.filter(_in_force(day), delegate_id=user.pk, revoked_at__isnull=True).values(
        "position_id")
    granted = Position.roles.through.objects.filter(Q(position_id__in=held) | Q(position_id__in=delegated))
    pairs = set()
    for body, role in granted.values_list("position__body__code", "role__code"):
        pairs.update((role, code) for code in _with_ancestors(body))
    pairs.update((name, ANY_BODY) for name in user.groups.values_list("name", flat=True))
    setattr(user, cache_key, pairs)
    return pairs


def holders(role: str, body: str = "", at: date | None = None) -> set[int]:
    """User ids holding ``role`` in ``body`` (any body if empty) on the day."""
    from django.contrib.auth import get_user_model

    day = at or _today()
    positions = Position.objects.filter(roles__code=role)
    if body:
        parents = _parent_map()
        below = {code for code in parents if body in _with_ancestors(code)}
        positions = positions.filter(body__code__in=below)
    position_ids = positions.values("pk")
    held = Holding.objects.filter(_in_force(day), position_id__in=position_ids).values_list("user_id", flat=True)
    delegated = Delegation.objects.filter(_in_force(day), position_id__in=position_ids, revoked_at__isnull=True
                                          ).values_list("delegate_id", flat=True)
    by_group = get_user_model().objects.filter(groups__name=role).values_list("pk", flat=True)
    candidates = set(held) | set(delegated) | set(by_group)
    return set(get_user_model().objects.filter(pk__in=candidates, is_active=True).values_list("pk", flat=True))


def may_complete(user, task) -> bool:
    """The engine's TASK_AUTHORIZER: the assignee, or a holder of the task's role in its body."""
    if user is None or not getattr(user, "is_active", False):
        return False
    if task.assignee_id is not None:
        return task.assignee_id == user.pk
    if not task.candidate_group:
        return False
    return any(role == task.candidate_group and (body == ANY_BODY or not task.body or body == task.body)
               for role, body in role_pairs(user))


def known_roles() -> set[str] | None:
    """The role codes BPMN lanes may name; None (no check) while the directory is empty."""
    codes = set(Role.objects.values_list("code", flat=True))
    return codes or None
