"""A deadline as people read it: the date, and the working days left by the legal calendar
(``engine.calendar``), with the colour class the worklist gives it (overdue red, due today amber)."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from engine import calendar


@dataclass(frozen=True)
class Deadline:
    due_at: datetime
    local: datetime
    #: Working days from today to the due day: 0 on the day itself, negative once past.
    working_days: int
    state: str  # overdue | today | soon | later

    @property
    def text(self) -> str:
        if self.state == "overdue":
            late = max(self.working_days * -1, 0)
            if late == 0:
                return _("overdue")
            return ngettext("overdue by %(days)d working day", "overdue by %(days)d working days", late) % {
                "days": late}
        if self.state == "today":
            return _("due today")
        return ngettext("%(days)d working day left", "%(days)d working days left", self.working_days) % {
            "days": self.working_days}


def deadline(due_at: datetime | None, *, now: datetime | None = None) -> Deadline | None:
    if due_at is None:
        return None
    now = now or calendar.now()
    days = calendar.current().working_days_between(now, due_at)
    local = calendar.localize(due_at)
    if due_at <= now:
        state = "overdue"
    elif local.date() == calendar.localize(now).date():
        state = "today"
    elif days <= 1:
        state = "soon"
    else:
        state = "later"
    return Deadline(due_at, local, days, state)
