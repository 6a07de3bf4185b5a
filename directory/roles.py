"""Role resolution: who holds which role in which body, on a given day.

A user holds role R in body B on day D when a position with a grant (R, B) is theirs on D: they
hold it, or an effective written delegation of it lends them R. A Django group named after a role
code also grants that role, in every body (``*``): for service accounts, benchmarks and tests, not
for staff. The engine, the API and the forms call these functions through their settings hooks.
"""

from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.utils import timezone

from .models import Delegation, Holding, Role, RoleGrant

ANY_BODY = "*"
_CACHE = "_directory_role_pairs"


def _today() -> date:
    return timezone.localdate()


def role_pairs(user, at: date | None = None) -> set[tuple[str, str]]:
    """The (role code, body code) pairs ``user`` holds on ``at`` (default today); body ``*`` means
    every body. One query, then cached on the user object, which lives for one request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.pk:
        return set()
    day = at or _today()
    cache = user.__dict__.setdefault(_CACHE, {})
    if day not in cache:
        held = Holding.objects.in_force(day).filter(user_id=user.pk, position_id=OuterRef("position_id"))
        lent = Delegation.roles.through.objects.filter(
            role_id=OuterRef("role_id"), delegation__position_id=OuterRef("position_id"),
            delegation_id__in=Delegation.objects.effective(day).filter(delegate_id=user.pk).values("pk"))
        grants = RoleGrant.objects.filter(Exists(held) | Exists(lent)).values_list("role__code", "body__code")
        groups = (Group.objects.filter(user=user.pk).annotate(anywhere=Value(ANY_BODY, output_field=CharField()))
                  .values_list("name", "anywhere"))
        cache[day] = set(grants.union(groups))
    return set(cache[day])


def roles_of(user, body_code: str | None = None, *, at: date | None = None) -> set[str]:
    """Role codes ``user`` holds in ``body_code`` (in any body when None) on ``at``."""
    return {role for role, body in role_pairs(user, at) if body_code is None or body in (body_code, ANY_BODY)}


def holders(role_code: str, body_code: str = "", *, at: date | None = None) -> set[int]:
    """Ids of the active users who hold ``role_code`` in ``body_code`` on ``at``: the holders of
    positions granting it there, their effective delegates, and members of the role's group. An
    empty body code means any body (instances without an owning body). One query."""
    day = at or _today()
    grants = RoleGrant.objects.filter(role__code=role_code)
    if body_code:
        grants = grants.filter(body__code=body_code)
    positions = grants.values("position_id")
    held = Holding.objects.in_force(day).filter(position_id__in=positions).values("user_id")
    lent = (Delegation.objects.effective(day).filter(position_id__in=positions, roles__code=role_code)
            .values("delegate_id"))
    user_model = get_user_model()
    grouped = user_model.groups.through.objects.filter(group__name=role_code).values("user_id")
    found = user_model.objects.filter(Q(pk__in=held) | Q(pk__in=lent) | Q(pk__in=grouped), is_active=True)
    return set(found.values_list("pk", flat=True))


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
