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
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Delegation, Holding, Position, Role


def check(delegation: Delegation) -> None:
    """Raise ``ValidationError`` unless ``delegation`` may be given (used by ``Delegation.clean``,
    so the admin pages enforce the same rules as ``delegate``)."""
    d = delegation
    errors: dict[str, list[str]] = {}
    if d.kind == Delegation.Kind.THUA_UY_QUYEN and d.valid_to is None:
        errors.setdefault("valid_to", []).append(_("Authorisation (T/UQ) is limited in time: give an end date."))
    if d.valid_from and d.valid_to and d.valid_to < d.valid_from:
        errors.setdefault("valid_to", []).append(_("The end date is before the start date."))
    if d.delegator_id and d.delegate_id and d.delegator_id == d.delegate_id:
        errors.setdefault("delegate", []).append(_("A person cannot delegate to themselves."))
    if errors:
        raise ValidationError(errors)
    if d.position_id and d.delegator_id and d.valid_from:
        _check_giver(d)
    if d.position_id and d.delegate_id and d.valid_from:
        _check_receiver(d)


def _check_giver(d: Delegation) -> None:
    holds = Holding.objects.in_force(d.valid_from).filter(user_id=d.delegator_id, position_id=d.position_id)
    if holds.exists():
        return
    received = (Delegation.objects.effective(d.valid_from).filter(delegate_id=d.delegator_id, position_id=d.position_id)
                .exclude(pk=d.pk).values_list("kind", flat=True))
    kinds = set(received)
    if Delegation.Kind.THUA_UY_QUYEN in kinds:
        raise ValidationError({"delegator": _("Authority received by authorisation (T/UQ) cannot be delegated again.")})
    if kinds:
        raise ValidationError({"delegator": _("Delegated authority cannot be delegated again.")})
    raise ValidationError({"delegator": _("Only a holder of the position can delegate its authority.")})


def _check_receiver(d: Delegation) -> None:
    body_id = Position.objects.values_list("body_id", flat=True).get(pk=d.position_id)
    where = Q(position__body_id=body_id)
    if d.kind != Delegation.Kind.KY_THAY:
        where |= Q(position__body__parent_id=body_id)
    if not Holding.objects.in_force(d.valid_from).filter(where, user_id=d.delegate_id).exists():
        message = (_("Signing on behalf (K/T) is given to a deputy of the same body.")
                   if d.kind == Delegation.Kind.KY_THAY
                   else _("The delegate must hold a position in the body or in one of its units."))
        raise ValidationError({"delegate": message})


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
    delegation.full_clean()
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
