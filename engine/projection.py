"""The task projection: rows for the user tasks a step opened, with the rules BPMN declares.

Each user task may declare, as ``spiffworkflow:property`` expressions evaluated in the sandbox
against the task's data: ``assignee`` (a username or user id), ``dueDate`` (an ISO date/time
or a datetime) and ``priority`` (an integer); or, instead of ``dueDate``, ``dueTimer``: the id of
one of its timer boundary events, whose time is then its deadline (the task shows the time the
timer enforces); and ``body`` (a body code): the unit the task goes to when it is not the
instance's own body, e.g. the lead unit a leader named, whose holders of the task's role are then
offered it. Its lane id is its role (candidate group) unless ``candidateGroups`` names one.
"""

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from . import rows
from .exceptions import InvalidData
from .models import Task
from .state import SCRIPT_ENGINE

#: What a body code looks like (a slug, as the directory stores them).
BODY_CODE = re.compile(r"[-\w]{1,100}")


def meta_for(task_meta: dict, spiff_task) -> dict:
    spec = spiff_task.task_spec
    found = task_meta.get(spiff_task.workflow.spec.name, {}).get(spec.bpmn_id)
    return found or {"name": spec.bpmn_name or spec.bpmn_id or spec.name, "lane": spec.lane or "",
                     "role": "", "form_key": "", "assignee": "", "due": "", "priority": ""}


def new_rows(task_meta: dict, spiff_tasks, instance, now) -> list[Task]:
    created = []
    pending_usernames: dict[str, list[Task]] = {}
    for spiff_task in spiff_tasks:
        meta = meta_for(task_meta, spiff_task)
        row = Task(
            id=spiff_task.id,
            instance=instance,
            bpmn_id=spiff_task.task_spec.bpmn_id or spiff_task.task_spec.name,
            name=meta["name"][:300],
            lane=meta["lane"][:200],
            candidate_group=meta["role"][:100],
            form_key=meta["form_key"][:200],
            body=instance.body,
            subject=instance.subject,
            sender=instance.sender,
            created_at=now,
        )
        if meta["assignee"]:
            assignee = _evaluate(spiff_task, meta["assignee"])
            if isinstance(assignee, int):
                row.assignee_id = assignee
            elif assignee:
                pending_usernames.setdefault(str(assignee), []).append(row)
        if meta["due"]:
            row.due_at = _as_datetime(_evaluate(spiff_task, meta["due"]), row.bpmn_id)
        elif meta.get("due_timer"):
            row.due_at = _timer_due(spiff_task, meta["due_timer"])
        if meta["priority"]:
            row.priority = int(_evaluate(spiff_task, meta["priority"]) or 0)
        if meta.get("body"):
            row.body = _body(_evaluate(spiff_task, meta["body"]), row.bpmn_id) or instance.body
        created.append(row)
    if pending_usernames:
        _resolve_usernames(pending_usernames)
    return created


def _timer_due(spiff_task, timer_id: str) -> datetime | None:
    """When the task's boundary timer ``timer_id`` falls due (evaluated as the task became ready)."""
    siblings = spiff_task.parent.children if spiff_task.parent is not None else []
    for sibling in siblings:
        if sibling.task_spec.bpmn_id == timer_id:
            value = sibling.task_spec.event_definition.details(sibling).value
            return datetime.fromisoformat(value) if isinstance(value, str) else None
    return None


def _body(value, element: str) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or not BODY_CODE.fullmatch(value):
        raise InvalidData(_("The body of task %(task)s must be a body code, not %(value)r.")
                          % {"task": element, "value": value}, errors={"body": [_("Not a body code.")]})
    return value


def _evaluate(spiff_task, expression: str):
    return SCRIPT_ENGINE.evaluate(spiff_task, expression)


def _resolve_usernames(pending: dict[str, list[Task]]) -> None:
    found = rows.user_ids(list(pending))
    missing = sorted(set(pending) - set(found))
    if missing:
        raise InvalidData(
            _("No active user with the username %(names)s can be assigned this task.") % {"names": ", ".join(missing)},
            errors={"assignee": [_("Unknown user: %(name)s") % {"name": name} for name in missing]},
        )
    user_model = get_user_model()
    for username, waiting in pending.items():
        for row in waiting:  # the user as a deferred instance: the id and username are known
            row.assignee = user_model.from_db(row.instance._state.db,
                                              [user_model._meta.pk.attname, user_model.USERNAME_FIELD],
                                              [found[username], username])


def _as_datetime(value, element: str) -> datetime | None:
    """An aware datetime from what a due-date expression returned (dates end at office close)."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            raise InvalidData(_("The due date of %(task)s is not a valid date: %(value)s") % {
                "task": element, "value": value}) from None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time(17, 0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
    return value
