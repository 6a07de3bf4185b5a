"""Moments in Vietnam time, for tests that freeze the clock, and a calendar re-read around them."""

from datetime import datetime

import pytest

from engine import calendar
from engine.calendar import TZ


def at(y, m, d, hh=9, mm=0, ss=0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=TZ)


@pytest.fixture
def fresh_calendar():
    """Days off a test adds count from its first step, and none outlives it."""
    calendar.invalidate()
    yield
    calendar.invalidate()
