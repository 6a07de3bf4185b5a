"""Legal clocks: a deadline in working days that can be paused, resumed and extended.

A one-stop dossier's clock stops while the applicant supplements it and runs on afterwards with
the working days that were left; a competent person's decision can extend it. Every change is an
audit event of the instance. The functions work on an instance the caller has locked (a step);
BPMN reaches them through the ``clock.*`` service-task handlers.
"""

from datetime import datetime

from django.utils.translation import gettext as _

from . import audit, calendar
from .exceptions import InvalidData
from .models import LegalClock, ProcessInstance


def start(instance: ProcessInstance, name: str, days: int, *, at: datetime, cutoff: bool = False,
          actor=None) -> tuple[LegalClock, audit.Entry]:
    """Start (or restart) the clock ``name`` of ``days`` working days from ``at``."""
    due = calendar.current().add_working_days(at, days, cutoff=cutoff)
    clock, _created = LegalClock.objects.update_or_create(instance=instance, name=name, defaults={
        "days": days, "started_at": at, "due_at": due, "status": LegalClock.Status.RUNNING, "paused_at": None,
        "remaining_days": None, "extended_days": 0, "stopped_at": None})
    return clock, _entry("clock_started", clock, actor, after={"days": days, "cutoff": cutoff})


def pause(instance: ProcessInstance, name: str, *, at: datetime, reason: str = "", actor=None):
    clock = _get(instance, name)
    if clock.status != LegalClock.Status.RUNNING:
        raise InvalidData(_("The clock '%(name)s' is not running.") % {"name": name})
    before = _view(clock)
    clock.remaining_days = max(calendar.current().working_days_between(at, clock.due_at), 0)
    clock.status, clock.paused_at = LegalClock.Status.PAUSED, at
    clock.save(update_fields=["remaining_days", "status", "paused_at"])
    return clock, _entry("clock_paused", clock, actor, before=before, after={"reason": reason})


def resume(instance: ProcessInstance, name: str, *, at: datetime, actor=None):
    """Run on with the working days that were left when it was paused, counted from ``at``."""
    clock = _get(instance, name)
    if clock.status != LegalClock.Status.PAUSED:
        raise InvalidData(_("The clock '%(name)s' is not paused.") % {"name": name})
    before = _view(clock)
    clock.due_at = calendar.current().add_working_days(at, clock.remaining_days or 0)
    clock.status, clock.paused_at, clock.remaining_days = LegalClock.Status.RUNNING, None, None
    clock.save(update_fields=["due_at", "status", "paused_at", "remaining_days"])
    return clock, _entry("clock_resumed", clock, actor, before=before)


def extend(instance: ProcessInstance, name: str, days: int, *, decision: str, actor=None):
    """Move the deadline ``days`` working days later, on a recorded decision."""
    if days <= 0 or not (decision or "").strip():
        raise InvalidData(_("An extension needs a positive number of days and the decision granting it."))
    clock = _get(instance, name)
    before = _view(clock)
    cal = calendar.current()
    if clock.status == LegalClock.Status.PAUSED:
        clock.remaining_days = (clock.remaining_days or 0) + days
    else:
        clock.due_at = cal.at(cal.shift_working_days(calendar.localize(clock.due_at).date(), days), cal.closes)
    clock.extended_days += days
    clock.save(update_fields=["due_at", "remaining_days", "extended_days"])
    return clock, _entry("clock_extended", clock, actor, before=before, after={"days": days, "decision": decision})


def stop(instance: ProcessInstance, name: str, *, at: datetime, actor=None):
    clock = _get(instance, name)
    before = _view(clock)
    clock.status, clock.stopped_at = LegalClock.Status.STOPPED, at
    clock.save(update_fields=["status", "stopped_at"])
    late = calendar.current().working_days_between(clock.due_at, at)
    return clock, _entry("clock_stopped", clock, actor, before=before, after={"working_days_late": max(late, 0)})


def as_data(clock: LegalClock) -> dict:
    """What a BPMN handler returns into process data."""
    return {"name": clock.name, "status": clock.status,
            "due": calendar.localize(clock.due_at).isoformat() if clock.status != LegalClock.Status.PAUSED else None,
            "remaining_days": clock.remaining_days, "extended_days": clock.extended_days}


def _get(instance: ProcessInstance, name: str) -> LegalClock:
    clock = LegalClock.objects.filter(instance=instance, name=name).first()
    if clock is None:
        raise InvalidData(_("This process has no clock named '%(name)s'.") % {"name": name})
    return clock


def _view(clock: LegalClock) -> dict:
    return {"status": clock.status, "due_at": clock.due_at, "remaining_days": clock.remaining_days}


def _entry(action: str, clock: LegalClock, actor, *, before=None, after=None) -> audit.Entry:
    return audit.Entry(action, actor=actor, element=clock.name, before=before,
                       after={**_view(clock), **(after or {})})
