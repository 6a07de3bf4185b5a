"""Working-day calendar for legal deadlines (Asia/Ho_Chi_Minh).

Working days are Monday to Friday minus the public holidays of Vietnam (the ``holidays`` package:
Tết, Hùng Kings, 30/4, 1/5, 2/9 and its adjacent day, Vietnam Cultural Day, the Government's
substituted days off and the Saturdays worked in exchange), corrected by what an administrator
records (``CalendarDay``: an extra day off, or a compensating working day).

Counting rule: the day something is received is day 0 and is not counted, so "5 working days"
ends at office close of the fifth working day after it. Received on a day off or after office
close, counting starts from the next working day; with the one-stop desk's cut-off (15:00), a
dossier received after the cut-off counts from the next working day too.
"""

import threading
import time as _time
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holiday_data
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from . import conf
from .models import CalendarDay

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _parse_time(value: str | time) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)


@dataclass(frozen=True)
class Calendar:
    days_off: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    #: Office hours of a working day, as (start, end) intervals in local time.
    office_hours: tuple[tuple[time, time], ...] = ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))
    cutoff: time = time(15, 0)
    _national: dict = field(default_factory=dict, compare=False, repr=False)
    _counts: dict = field(default_factory=dict, compare=False, repr=False)

    # --- days -----------------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.days_off:
            return False
        return self._national_calendar(day.year).is_working_day(day)

    def holiday_name(self, day: date) -> str | None:
        return self._national_calendar(day.year).get(day)

    def next_working_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def previous_working_day(self, day: date) -> date:
        day -= timedelta(days=1)
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def shift_working_days(self, day: date, n: int) -> date:
        for _ in range(abs(n)):
            day = self.next_working_day(day) if n > 0 else self.previous_working_day(day)
        return day

    # --- instants -------------------------------------------------------------------------

    @property
    def opens(self) -> time:
        return self.office_hours[0][0]

    @property
    def closes(self) -> time:
        return self.office_hours[-1][1]

    def at(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, TZ)

    def counting_day(self, start: datetime, *, cutoff: bool = False) -> date:
        """The day counting starts from (day 0): the start day, or the next working day if the start
        falls on a day off, after office close, or (with ``cutoff``) after the one-stop cut-off."""
        local = localize(start)
        day = local.date()
        limit = self.cutoff if cutoff else self.closes
        if not self.is_working_day(day) or local.time() >= limit:
            day = self.next_working_day(day)
        return day

    def add_working_days(self, start: datetime, days: int, *, cutoff: bool = False) -> datetime:
        """Office close of the ``days``-th working day after the counting day (``days=0``: the counting
        day itself, i.e. "same day"). Negative ``days`` count back from the start's own day."""
        if days < 0:
            return self.at(self.shift_working_days(localize(start).date(), days), self.closes)
        return self.at(self.shift_working_days(self.counting_day(start, cutoff=cutoff), days), self.closes)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The instant when ``hours`` of office time have passed since ``start``."""
        remaining = timedelta(hours=hours)
        current = localize(start)
        day = current.date()
        while True:
            if self.is_working_day(day):
                for opens, closes in self.office_hours:
                    begin = max(current, self.at(day, opens))
                    end = self.at(day, closes)
                    if begin >= end:
                        continue
                    if end - begin >= remaining:
                        return begin + remaining
                    remaining -= end - begin
            day += timedelta(days=1)
            current = self.at(day, time(0))

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days from ``start``'s day (not counted) to ``end``'s day (counted); negative if
        ``end`` is earlier. Used for "days late" in reports."""
        first, last = localize(start).date(), localize(end).date()
        sign = 1
        if last < first:
            first, last, sign = last, first, -1
        count = self._working_through(last) - self._working_through(first)
        for year in range(first.year, last.year):
            count += self._working_through(date(year, 12, 31))
        return sign * count

    def _working_through(self, day: date) -> int:
        """Working days from 1 January of ``day``'s year through ``day``: counted once per year, as a
        report asks "days late" of thousands of documents, each over months."""
        counts = self._counts.get(day.year)
        if counts is None:
            counts, total, current = [], 0, date(day.year, 1, 1)
            while current.year == day.year:
                total += self.is_working_day(current)
                counts.append(total)
                current += timedelta(days=1)
            self._counts[day.year] = counts
        return counts[day.timetuple().tm_yday - 1]

    def _national_calendar(self, year: int):
        found = self._national.get(year)
        if found is None:
            found = holiday_data.country_holidays("VN", years=year, language="vi")
            self._national[year] = found
        return found


def localize(moment: datetime | date | str) -> datetime:
    """An aware datetime in Vietnam time; naive values and dates are taken as Vietnam time."""
    if isinstance(moment, str):
        moment = date.fromisoformat(moment) if len(moment) == 10 else datetime.fromisoformat(moment)
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(0))
    if moment.tzinfo is None:
        return moment.replace(tzinfo=TZ)
    return moment.astimezone(TZ)


# --- The configured calendar, with the administrators' corrections from the database --------

_cached: tuple[float, object, Calendar] | None = None
_lock = threading.Lock()
_TTL_SECONDS = 60.0
#: The calendar's version in the shared cache (CACHE_URL): a change saved by one server or process is
#: seen by every other at its next reading, not a minute later.
VERSION_KEY = "engine:calendar:version"


def current() -> Calendar:
    """The calendar in force: settings plus ``CalendarDay`` rows, rebuilt when a change was saved
    anywhere (the version in the shared cache moved) and at least every minute."""
    global _cached
    version = cache.get(VERSION_KEY)
    with _lock:
        if (_cached is not None and _cached[1] == version
                and _time.monotonic() - _cached[0] < _TTL_SECONDS):
            return _cached[2]
    calendar = _build()
    with _lock:
        _cached = (_time.monotonic(), version, calendar)
    return calendar


def invalidate() -> None:
    """Every process re-reads the calendar at its next use (a new version in the shared cache)."""
    global _cached
    cache.set(VERSION_KEY, _time.time_ns(), timeout=None)
    with _lock:
        _cached = None


@receiver([post_save, post_delete], sender=CalendarDay, dispatch_uid="engine.calendar.changed")
def _changed(**kwargs) -> None:
    """However a day was changed (admin page, bulk delete, code), once it is committed."""
    transaction.on_commit(invalidate)


def _build() -> Calendar:
    days_off: set[date] = set()
    workdays: set[date] = set()
    for day, kind in CalendarDay.objects.values_list("day", "kind"):
        (workdays if kind == CalendarDay.Kind.WORKDAY else days_off).add(day)
    hours = tuple((_parse_time(a), _parse_time(b)) for a, b in conf.get("OFFICE_HOURS"))
    return Calendar(frozenset(days_off), frozenset(workdays), hours, _parse_time(conf.get("ONE_STOP_CUTOFF")))


def now() -> datetime:
    return timezone.now().astimezone(TZ)
