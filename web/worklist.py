"""The worklist's query: a queue of the person's open tasks (``engine.access.worklist``) narrowed by
the page's filters and sorted, read a page at a time (``web.paging``). The same filters as the
API's task list; who sees which task is the access module's answer, never decided here."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from engine import access, calendar
from engine.models import ProcessDefinition, Task, TaskStatus

from . import deadlines, paging

QUEUES = ("mine", "group")
SORTS: dict[str, list[tuple[str, bool]]] = {
    "due": [("due_at", False), ("priority", True), ("id", False)],
    "-due": [("due_at", True), ("priority", True), ("id", False)],
    "priority": [("priority", True), ("due_at", False), ("id", False)],
    "created": [("created_at", False), ("id", False)],
    "-created": [("created_at", True), ("id", False)],
}
PAGE_SIZE = 25
#: What a row reads: never the instance's stored state or the definition's files.
LISTED = ("id", "instance_id", "bpmn_id", "name", "candidate_group", "assignee_id", "form_key", "due_at", "priority",
          "status", "created_at", "body", "subject", "sender", "instance__business_key", "instance__definition_id",
          "instance__definition__key", "instance__definition__name", "assignee__username",
          "assignee__first_name", "assignee__last_name")


@dataclass(frozen=True)
class Filters:
    queue: str = "mine"
    process: str = ""
    urgency: int | None = None
    overdue: bool = False
    due_by: datetime | None = None
    search: str = ""
    sort: str = "due"

    @classmethod
    def from_query(cls, params) -> "Filters":
        """Read from the page's query string; a value that makes no sense is ignored, not an error."""
        urgency = params.get("urgency", "")
        due_by = None
        if params.get("due"):
            try:
                day = datetime.strptime(params["due"], "%Y-%m-%d").date()
                due_by = datetime.combine(day + timedelta(days=1), time(0), calendar.TZ)
            except ValueError:
                due_by = None
        return cls(queue=params.get("queue") if params.get("queue") in QUEUES else "mine",
                   process=params.get("process", "")[:200],
                   urgency=int(urgency) if urgency in ("1", "2", "3") else None,
                   overdue=params.get("overdue") in ("1", "on", "true"),
                   due_by=due_by, search=params.get("q", "").strip()[:200],
                   sort=params.get("sort") if params.get("sort") in SORTS else "due")


def queue(user, filters: Filters) -> QuerySet:
    rows = access.worklist(user, filters.queue).select_related("instance__definition", "assignee").only(*LISTED)
    if filters.process:
        rows = rows.filter(instance__definition__key=filters.process)
    if filters.urgency is not None:
        rows = rows.filter(priority__gte=filters.urgency)
    if filters.overdue:
        rows = rows.filter(due_at__lt=timezone.now())
    if filters.due_by is not None:
        rows = rows.filter(due_at__lt=filters.due_by)
    if filters.search:
        words = filters.search
        rows = rows.filter(Q(subject__icontains=words) | Q(sender__icontains=words) | Q(name__icontains=words)
                           | Q(instance__business_key__icontains=words))
    return rows


def counts(user) -> dict[str, int]:
    """Open tasks in each queue (two indexed counts)."""
    return {name: access.worklist(user, name).count() for name in QUEUES}


def page(user, filters: Filters, cursor: str | None):
    """(rows, next cursor): each row carries its ``deadline`` and whether the person may claim it."""
    rows, following = paging.page(queue(user, filters), SORTS[filters.sort], cursor, PAGE_SIZE)
    now = calendar.now()
    for row in rows:
        row.deadline = deadlines.deadline(row.due_at, now=now)
    return rows, following


def processes() -> list[tuple[str, str]]:
    """(key, name) of every deployed process, for the filter."""
    names: dict[str, str] = {}
    for key, name in ProcessDefinition.objects.order_by("key", "-version").values_list("key", "name"):
        names.setdefault(key, name or key)
    return sorted(names.items(), key=lambda pair: pair[1])


def open_tasks_of(user, task_ids) -> list[Task]:
    """Of these tasks, the open ones the person acts on, oldest first (where to go after a step)."""
    rows = Task.objects.filter(pk__in=list(task_ids)).select_related("instance")
    return sorted((row for row in rows if access.acts_on(user, row) and row.status == TaskStatus.OPEN),
                  key=lambda row: (row.created_at, str(row.pk)))
