"""The role queries, as querysets built on the models' own rules, for ``engine.rows.run_compiled``.

They run on every API request and every form check, where compiling a queryset (EXISTS and UNION
over grants, holdings and delegations) costs more than running it. ``run_compiled`` compiles each
once per database vendor and time zone, then fills in the user, role, body and day. Who holds what
on a day is said only by ``Holding.objects.in_force`` and ``Delegation.objects.effective``.
"""

from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.lookups import Exact

from .models import Delegation, Holding, RoleGrant

#: The body of a group's role: every body (``directory.roles.ANY_BODY``, ``engine.access.ANY_BODY``).
ANY_BODY = "*"


def role_pairs(user: int, day: date) -> QuerySet:
    """(role code, body code) of the grants of the positions ``user`` holds or has been lent the
    role of on ``day``, and (group name, ``*``) of their groups: a group named after a role counts
    in every body."""
    holds = Holding.objects.in_force(day).filter(user=user, position=OuterRef("position"))
    is_lent = Delegation.objects.effective(day).filter(delegate=user, position=OuterRef("position"),
                                                        roles=OuterRef("role"))
    grants = RoleGrant.objects.filter(Exists(holds) | Exists(is_lent)).values_list("role__code", "body__code")
    groups = Group.objects.filter(user=user).values_list("name", Value(ANY_BODY, output_field=CharField()))
    return grants.union(groups)


def holders(role: str, body: str, day: date) -> QuerySet:
    """Ids of the active users who hold ``role`` in ``body`` on ``day`` (in any body when empty):
    holders of positions granting it there, their delegates lent it, and the role's group."""
    users = get_user_model().objects
    in_body = Q(body__code=body) | Exact(Value(body), "")  # one compiled query serves both cases
    granting = RoleGrant.objects.filter(in_body, role__code=role).values("position")
    held = Holding.objects.in_force(day).filter(position__in=granting).values("user")
    lent = Delegation.objects.effective(day).filter(position__in=granting, roles__code=role)
    members = users.filter(groups__name=role).values("pk")
    return users.filter(is_active=True, pk__in=held.union(lent.values("delegate"), members)).values_list("pk")


#: The queries ``directory.roles`` runs.
ROLE_PAIRS, HOLDERS = role_pairs, holders
