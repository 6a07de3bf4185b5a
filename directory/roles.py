"""Role resolution: who holds which role in which body, on a given day.

A user holds role R in body B on day D when a position with a grant (R, B) is theirs on D: they
hold it, or an effective written delegation of it lends them R. A Django group named after a role
code also grants that role, in every body (``*``): for service accounts, benchmarks and tests, not
for staff. The engine calls these functions through its hooks (``ROLE_PAIRS``, ``ROLE_HOLDERS``,
``KNOWN_ROLES``); who may see and do what with them is decided in ``engine.access``.
"""

from datetime import date

from django.utils import timezone

from engine import rows

from . import sql
from .models import Role

ANY_BODY = sql.ANY_BODY


def _today() -> date:
    return timezone.localdate()


def _run(query, params: dict, day: date) -> list[tuple]:
    return rows.run_compiled(query, **params, day=day)


def role_pairs(user, at: date | None = None) -> set[tuple[str, str]]:
    """The engine's ROLE_PAIRS: the (role code, body code) pairs ``user`` holds on ``at`` (default
    today); body ``*`` means every body. One query; ``engine.access`` keeps today's per request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.pk:
        return set()
    return {(role, body) for role, body in _run(sql.ROLE_PAIRS, {"user": user.pk}, at or _today())}


def roles_of(user, body_code: str | None = None, *, at: date | None = None) -> set[str]:
    """Role codes ``user`` holds in ``body_code`` (in any body when None) on ``at``."""
    return {role for role, body in role_pairs(user, at) if body_code is None or body in (body_code, ANY_BODY)}


def holders(role_code: str, body_code: str = "", *, at: date | None = None) -> set[int]:
    """Ids of the active users who hold ``role_code`` in ``body_code`` on ``at``: the holders of
    positions granting it there, their effective delegates, and members of the role's group. An
    empty body code means any body (instances without an owning body). One query."""
    return {row[0] for row in _run(sql.HOLDERS, {"role": role_code, "body": body_code or ""}, at or _today())}


def known_roles() -> set[str] | None:
    """The engine's KNOWN_ROLES: the role codes BPMN lanes may name; None (no check) while the
    directory has no roles at all, so that a fresh installation can deploy before it is filled."""
    codes = set(Role.objects.values_list("code", flat=True))
    return codes or None
