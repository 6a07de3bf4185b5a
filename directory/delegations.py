"""Written delegations: who may delegate what to whom, and the rule that T/UQ is never passed on.

Decree 30/2020 Art. 13.3-4 and HD 36 §1.7.1: signing authority is delegated in writing; thừa ủy
quyền is limited in time and content and may not be delegated again. Only a holder of a position
gives its authority away: what one received by delegation stays with them. Ký thay is for a
deputy of the same body; thừa lệnh and thừa ủy quyền go to someone of the body or of its units.
"""

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Delegation, Position, Role


def check_roles(position: Position, roles: Iterable[Role]) -> None:
    """A delegation can only carry roles the position has."""
    granted = set(position.grants.values_list("role_id", flat=True))
    foreign = [role.code for role in roles if role.pk not in granted]
    if foreign:
        raise ValidationError({"roles": _("The position does not have these roles: %(roles)s.")
                               % {"roles": ", ".join(sorted(foreign))}})


def delegate(*, kind: str, position: Position, delegator, delegate_to, document: str, valid_from: date,
             valid_to: date | None = None, roles: Iterable[Role] | None = None, scope: str = "") -> Delegation:
    """Record a written delegation of ``position``'s roles (all of them unless ``roles`` says which).

    Raises ``ValidationError`` when the rules of the module docstring forbid it.
    """
    chosen = list(roles) if roles is not None else list(Role.objects.filter(grants__position=position).distinct())
    delegation = Delegation(kind=kind, position=position, delegator=delegator, delegate=delegate_to,
                            document=(document or "").strip(), scope=scope, valid_from=valid_from, valid_to=valid_to)
    delegation.full_clean()  # Delegation.clean: who may give what to whom
    check_roles(position, chosen)
    if not chosen:
        raise ValidationError({"roles": _("The position has no role to delegate.")})
    with transaction.atomic():
        delegation.save()
        delegation.roles.set(chosen)
    return delegation


def revoke(delegation: Delegation, *, at=None) -> Delegation:
    """End a delegation early; it no longer counts from the day of ``at`` (default: now)."""
    delegation.revoked_at = at or timezone.now()
    delegation.save(update_fields=["revoked_at"])
    return delegation
