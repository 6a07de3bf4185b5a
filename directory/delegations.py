"""Written delegations: who may delegate what, and the rule that T/UQ is never passed on."""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import Delegation, Holding, Position
from .roles import _in_force


def delegate(*, kind: str, position: Position, delegator, delegate_to, document: str, valid_from: date,
             valid_to: date | None = None, scope: str = "") -> Delegation:
    """Record a delegation of ``position``'s authority by someone entitled to give it.

    The delegator must hold the position on ``valid_from`` themselves: authority received by a
    delegation cannot be delegated again (Decree 30, Art. 13.4: thừa ủy quyền is not passed on;
    the same holds here for K/T and T/L, which only the holder grants).
    """
    if not (document or "").strip():
        raise ValidationError({"document": _("A delegation must name the written decision that grants it.")})
    if kind == Delegation.Kind.THUA_UY_QUYEN and valid_to is None:
        raise ValidationError({"valid_to": _("Authorisation (T/UQ) is limited in time: give an end date.")})
    holds = Holding.objects.filter(_in_force(valid_from), user=delegator, position=position).exists()
    if not holds:
        raised_by_delegation = Delegation.objects.filter(_in_force(valid_from), delegate=delegator,
                                                         position=position, revoked_at__isnull=True).exists()
        if raised_by_delegation:
            raise ValidationError(_("Delegated authority cannot be delegated again."))
        raise ValidationError(_("Only the holder of the position can delegate its authority."))
    if delegate_to.pk == delegator.pk:
        raise ValidationError(_("A person cannot delegate to themselves."))
    delegation = Delegation(kind=kind, position=position, delegator=delegator, delegate=delegate_to,
                            document=document.strip(), scope=scope, valid_from=valid_from, valid_to=valid_to)
    delegation.full_clean()
    delegation.save()
    return delegation
