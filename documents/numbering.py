"""Numbers from registers: gap-free, unique under concurrency, issued inside the step's transaction.

A State register numbers from 01 each calendar year (Decree 30 Art. 15: Số: 15/QĐ-UBND); a Party
register numbers each document type from 01 within one committee term, with no reset on 1 January
(HD 36 §1.3.1.a: Số 04-KH/ĐU). Secret documents have registers, hence series, of their own. Issuing
locks the series row until the caller's transaction ends, so concurrent steps queue for it and a
rolled-back step gives its number back with everything else it did: every number is either on a
document or recorded as cancelled, and never issued twice.
"""

from collections.abc import Sequence
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from engine import rows
from engine.exceptions import InvalidData

from .models import DocumentType, EntryStatus, NumberEntry, NumberSeries, Register


def period_of(register: Register, when: datetime) -> str:
    """The period a number issued at ``when`` belongs to: its local year, or the register's term."""
    if register.numbering == Register.Numbering.TERM:
        if not register.term:
            raise InvalidData(_("The register %(register)s numbers by committee term, but no term is set.")
                              % {"register": register.name})
        return register.term
    return str(timezone.localtime(when).year)


def issue(register: Register, *, when: datetime | None = None, document_type: DocumentType | None = None,
          document=None, instance=None, actor=None, carried_as: str = "",
          with_fields: Sequence[str] = ()) -> NumberEntry:
    """The next number of ``register`` (of ``document_type``'s series when it numbers each type
    apart). Call inside the transaction that uses it: the series stays locked until it ends. With
    ``carried_as``, the stored ``document`` gets the number in that field, and its ``with_fields``
    as they are, in the statement that takes the number (``rows.increment_into``): nothing more
    runs under the lock."""
    when = when or timezone.now()
    counting = register.numbers_from or register
    series_type = document_type if counting.per_type else None
    period = period_of(counting, when)
    found = (rows.fetch_compiled(NumberSeries, _typed_series, register=counting.pk, period=period,
                                 document_type=series_type.pk) if series_type else
             rows.fetch_compiled(NumberSeries, _untyped_series, register=counting.pk, period=period))
    series = found[0] if found else NumberSeries.objects.get_or_create(
        register=counting, period=period, document_type=series_type)[0]
    entry = NumberEntry(series=series, number=0, document=document, instance=instance, issued_at=when,
                        issued_by=actor if getattr(actor, "pk", None) else None)
    if carried_as:
        rows.increment_into(series, "last_number", entry=entry, entry_field="number", target=document,
                            target_field=carried_as, also=list(with_fields))
        return entry
    # One statement locks the row and moves the counter: the lock is held until the transaction
    # ends, and every statement after it is one more that all concurrent registrations wait for.
    series.last_number = entry.number = rows.increment(NumberSeries, series.pk, "last_number")
    entry.save(force_insert=True)
    return entry


def cancel_for_instance(instance, *, reason: str) -> int:
    """Record the numbers issued to a process that was cancelled as cancelled, with the reason: they
    stay on record (a document registered by it keeps its number, the register shows the entry
    cancelled) and nobody gets them again."""
    return (NumberEntry.objects.filter(instance=instance, status=EntryStatus.ISSUED)
            .update(status=EntryStatus.CANCELLED, cancelled_at=timezone.now(), note=reason[:500]))


def register_for(body_code: str, direction: str, *, secret: bool) -> Register:
    """The active register of a body for one direction, open or secret."""
    found = rows.fetch_compiled(Register, _secret_register if secret else _open_register, body=body_code,
                                direction=direction)
    if not found:
        raise InvalidData(_("%(body)s has no active %(kind)s register.") % {
            "body": body_code, "kind": _("secret") if secret else _("open")})
    return found[0]


# The lookups every number takes, compiled once (``rows.run_compiled``): through the ORM, building
# their SQL cost more than running it.

def _open_register(body: str, direction: str):
    return Register.objects.filter(body__code=body, direction=direction, secret=False, active=True).order_by()[:1]


def _secret_register(body: str, direction: str):
    return Register.objects.filter(body__code=body, direction=direction, secret=True, active=True).order_by()[:1]


def _untyped_series(register: int, period: str):
    return NumberSeries.objects.filter(register_id=register, period=period, document_type__isnull=True)


def _typed_series(register: int, period: str, document_type: int):
    return NumberSeries.objects.filter(register_id=register, period=period, document_type_id=document_type)
