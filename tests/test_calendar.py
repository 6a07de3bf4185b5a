"""Working-day deadlines, exact to the day and the minute (Asia/Ho_Chi_Minh)."""

from datetime import date, datetime

import pytest

from engine import calendar, expressions
from engine.calendar import TZ, Calendar
from engine.models import CalendarDay

CAL = Calendar()


def at(y, m, d, hh=9, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        # Friday 28/8/2026 + 3 WD: 31/8 (substituted day off), 1/9 and 2/9 (National Day) are not counted.
        (at(2026, 8, 28), 3, at(2026, 9, 7, 17)),
        # Thursday 20/8/2026 + 2 WD: Saturday 22/8/2026 is worked in exchange for 31/8.
        (at(2026, 8, 20), 2, at(2026, 8, 22, 17)),
        (at(2026, 8, 20), 3, at(2026, 8, 24, 17)),
        (at(2026, 8, 21), 1, at(2026, 8, 22, 17)),
        # Tết 2027 runs Thursday 4/2 to Wednesday 10/2.
        (at(2027, 2, 3, 10), 5, at(2027, 2, 17, 17)),
        # Received during Tết: it counts as received on Thursday 11/2 (day 0).
        (at(2027, 2, 5, 10), 0, at(2027, 2, 11, 17)),
        (at(2027, 2, 5, 10), 1, at(2027, 2, 12, 17)),
        # A weekend.
        (at(2026, 11, 27, 16, 50), 1, at(2026, 11, 30, 17)),
        (at(2026, 11, 28, 10), 0, at(2026, 11, 30, 17)),  # Saturday: "same day" is Monday
        # Vietnam Cultural Day, 24/11 (from 2026).
        (at(2026, 11, 23), 1, at(2026, 11, 25, 17)),
        # After office close the day is over.
        (at(2026, 12, 1, 17, 30), 1, at(2026, 12, 3, 17)),
    ],
)
def test_add_working_days(received, days, due):
    assert CAL.add_working_days(received, days) == due


def test_one_stop_cut_off_at_three_pm():
    thursday = date(2026, 12, 3)
    # S14: a same-day procedure received at 15:40 on Thursday is due on Friday.
    assert CAL.add_working_days(at(2026, 12, 3, 15, 40), 0, cutoff=True) == at(2026, 12, 4, 17)
    assert CAL.add_working_days(at(2026, 12, 3, 14, 59), 0, cutoff=True) == at(2026, 12, 3, 17)
    # Without the one-stop rule the clerk's day only ends at office close.
    assert CAL.add_working_days(at(2026, 12, 3, 15, 40), 0) == at(2026, 12, 3, 17)
    assert CAL.counting_day(at(2026, 12, 3, 15, 0), cutoff=True) == date(2026, 12, 4) != thursday


def test_working_hours_skip_lunch_nights_and_weekends():
    assert CAL.add_working_hours(at(2026, 12, 1, 11, 0), 1) == at(2026, 12, 1, 14, 0)
    assert CAL.add_working_hours(at(2026, 11, 27, 16, 50), 2) == at(2026, 11, 30, 9, 20)
    assert CAL.add_working_hours(at(2026, 12, 1, 6, 0), 1) == at(2026, 12, 1, 8, 30)


def test_counting_back_and_between():
    assert CAL.add_working_days(at(2026, 9, 7), -1) == at(2026, 9, 4, 17)
    assert CAL.working_days_between(at(2026, 8, 28), at(2026, 9, 7)) == 3
    assert CAL.working_days_between(at(2026, 9, 7), at(2026, 8, 28)) == -3
    assert CAL.working_days_between(at(2026, 9, 7, 8), at(2026, 9, 7, 16)) == 0



def test_working_days_between_agrees_with_counting_day_by_day_across_years():
    """The per-year running counts give what walking the days gives, the corrections included."""
    import random
    from datetime import timedelta

    corrected = Calendar(days_off=frozenset({date(2026, 12, 30), date(2027, 1, 4)}),
                         extra_workdays=frozenset({date(2027, 1, 2), date(2025, 12, 28)}))

    def walked(cal, first, last):
        sign = -1 if last < first else 1
        first, last = sorted((first, last))
        return sign * sum(cal.is_working_day(first + timedelta(days=n)) for n in range(1, (last - first).days + 1))

    chance = random.Random(2026)
    for cal in (CAL, corrected):
        for _ in range(300):
            first = date(2025, 1, 1) + timedelta(days=chance.randrange(3 * 365))
            last = first + timedelta(days=chance.randrange(-400, 400))
            assert cal.working_days_between(at(first.year, first.month, first.day),
                                            at(last.year, last.month, last.day)) == walked(cal, first, last)
    assert corrected.working_days_between(at(2026, 12, 29), at(2027, 1, 4)) == 2  # 31/12 and Saturday 2/1

def test_national_holidays_are_named_in_vietnamese():
    assert "Quốc khánh" in CAL.holiday_name(date(2026, 9, 2))
    assert not CAL.is_working_day(date(2026, 11, 24))


def test_administrators_days_off_and_workdays(db):
    CalendarDay.objects.create(day=date(2026, 12, 2), kind=CalendarDay.Kind.DAY_OFF, name="Nghỉ bù bầu cử")
    CalendarDay.objects.create(day=date(2026, 12, 5), kind=CalendarDay.Kind.WORKDAY, name="Làm bù")
    calendar.invalidate()
    try:
        current = calendar.current()
        assert current.add_working_days(at(2026, 12, 1), 2) == at(2026, 12, 4, 17)
        assert current.add_working_days(at(2026, 12, 4), 1) == at(2026, 12, 5, 17)
    finally:
        calendar.invalidate()


def test_expression_helpers_return_iso_strings(db, settings):
    calendar.invalidate()
    assert expressions.working_days(3, start="2026-08-28T09:00:00+07:00") == "2026-09-07T17:00:00+07:00"
    assert expressions.working_days(0, start="2026-12-03T15:40:00+07:00", cutoff=True) == "2026-12-04T17:00:00+07:00"
    assert expressions.office_open("2026-12-07") == "2026-12-07T07:30:00+07:00"
    assert expressions.shift("2026-12-07T17:00:00+07:00", minutes=1) == "2026-12-07T17:01:00+07:00"
    assert expressions.urgency_due("hoa_toc", start="2026-11-27T16:50:00+07:00") == "2026-11-27T18:50:00+07:00"
    assert expressions.urgency_due("thuong_khan", start="2026-11-27T16:50:00+07:00") == "2026-11-30T11:20:00+07:00"
    assert expressions.urgency_rank("hoa_toc") > expressions.urgency_rank("khan") > expressions.urgency_rank("thuong")
