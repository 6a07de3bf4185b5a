"""Functions BPMN scripts and expressions may call for dates and deadlines.

They return ISO 8601 strings with the +07:00 offset: storable as process data, usable directly
as a ``timeDate`` timer, a ``dueDate`` property or a deadline shown to people. A ``start`` may
be an ISO date, an ISO date-time or a datetime; without one, now.
"""

from datetime import datetime, timedelta

from . import calendar, conf


def _start(start) -> datetime:
    return calendar.now() if start in (None, "") else calendar.localize(start)


def working_days(n: int, start=None, cutoff: bool = False) -> str:
    """Office close of the n-th working day after ``start`` (the day of ``start`` is day 0;
    ``cutoff=True`` applies the one-stop desk's 15:00 rule)."""
    return calendar.current().add_working_days(_start(start), int(n), cutoff=cutoff).isoformat()


def working_hours(hours: float, start=None) -> str:
    """When ``hours`` of office time have passed since ``start``."""
    return calendar.current().add_working_hours(_start(start), float(hours)).isoformat()


def office_open(day=None) -> str:
    """Opening of the office on ``day`` (a date or date-time; today by default)."""
    cal = calendar.current()
    return cal.at(_start(day).date(), cal.opens).isoformat()


def office_close(day=None) -> str:
    cal = calendar.current()
    return cal.at(_start(day).date(), cal.closes).isoformat()


def shift(moment, days: float = 0, hours: float = 0, minutes: float = 0) -> str:
    """A moment moved by calendar (not working) time, e.g. one minute past a deadline."""
    return (calendar.localize(moment) + timedelta(days=days, hours=hours, minutes=minutes)).isoformat()


def now() -> str:
    return calendar.now().isoformat()


def urgency_due(urgency: str, start=None) -> str:
    """The handling deadline of an urgency class (Hỏa tốc, Thượng khẩn, Khẩn, Thường) from the
    configured SLAs: {"hours": h} in clock time, {"working_hours": h} or {"working_days": n}."""
    sla = conf.get("URGENCY").get(urgency or "thuong", conf.get("URGENCY")["thuong"])["sla"]
    begin = _start(start)
    if "hours" in sla:
        return (begin + timedelta(hours=sla["hours"])).isoformat()
    if "working_hours" in sla:
        return working_hours(sla["working_hours"], begin)
    return working_days(sla["working_days"], begin)


def urgency_rank(urgency: str) -> int:
    """Higher is more urgent; used as a task's priority."""
    return conf.get("URGENCY").get(urgency or "thuong", {"rank": 0})["rank"]


def is_working_day(day=None) -> bool:
    return calendar.current().is_working_day(_start(day).date())


HELPERS = {fn.__name__: fn for fn in (working_days, working_hours, office_open, office_close, shift, now,
                                      urgency_due, urgency_rank, is_working_day)}
