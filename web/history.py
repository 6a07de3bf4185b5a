"""An instance's history as people read it: who did what and when, from its audit events, with the
comments they wrote (the form's free-text fields) when the reader may see the process data."""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from directory.people import display_name
from engine.models import AuditEvent, ProcessInstance, Task
from forms import registry

ACTIONS = {
    "instance_started": _("Started the process"),
    "instance_completed": _("The process ended"),
    "instance_cancelled": _("Cancelled the process"),
    "instance_suspended": _("Suspended the process"),
    "instance_resumed": _("Resumed the process"),
    "instance_migrated": _("Moved the process to a new version"),
    "task_created": _("New step"),
    "task_completed": _("Completed"),
    "task_claimed": _("Took the task"),
    "task_unclaimed": _("Gave the task back to the unit"),
    "task_reassigned": _("Reassigned the task"),
    "task_cancelled": _("Step closed"),
    "message_received": _("A message arrived"),
    "job_queued": _("Background work queued"),
    "job_completed": _("Background work done"),
    "incident_raised": _("Incident"),
    "incident_retried": _("Incident retried"),
    "script_refused": _("A script was refused"),
    "document_received": _("The document arrived"),
    "document_registered": _("The document was registered"),
    "document_returned": _("The document was returned to its sender"),
    "draft_opened": _("Opened the draft"),
    "draft_version": _("Saved a version of the draft"),
    "draft_approved": _("Approved the draft"),
    "draft_returned": _("Returned the draft for rework"),
    "approval_voided": _("The signer's approval was voided: the draft changed after it"),
    "document_numbered": _("The document was numbered"),
    "document_issued": _("The document was issued"),
}
#: Events that say nothing a person needs in the timeline (a new step shows in the steps' list).
QUIET = {"instance_read", "job_queued", "task_created"}


@dataclass
class Entry:
    at: datetime
    who: str
    what: str
    step: str = ""
    comments: list[tuple[str, str]] = field(default_factory=list)


def _comments(form_key: str, after) -> list[tuple[str, str]]:
    """(label, text) of the free-text fields (``textarea``) of a completed task's form."""
    if not form_key or not isinstance(after, dict):
        return []
    hints = registry.ui_fields(form_key)
    return [(hints[name].get("label", name), str(after[name])) for name in hints
            if hints[name].get("widget") == "textarea" and isinstance(after.get(name), str) and after[name].strip()]


def _reason(after) -> list[tuple[str, str]]:
    if isinstance(after, dict) and isinstance(after.get("reason"), str) and after["reason"].strip():
        return [(str(_("Reason")), after["reason"])]
    return []


def timeline(instance: ProcessInstance, *, show_data: bool, limit: int = 200) -> list[Entry]:
    """The instance's events, oldest first (at most ``limit``, the newest kept)."""
    events = list(AuditEvent.objects.filter(instance=instance).exclude(action__in=QUIET)
                  .order_by("-seq").only("at", "actor_id", "actor_name", "action", "task_id", "element", "after")
                  [:limit])[::-1]
    tasks = {row.pk: row for row in Task.objects.filter(instance=instance).only("id", "name", "form_key", "bpmn_id")}
    actors = {user.pk: user for user in get_user_model().objects.filter(
        pk__in={e.actor_id for e in events if e.actor_id}).only("username", "first_name", "last_name")}
    found = []
    for event in events:
        task = tasks.get(event.task_id) if event.task_id else None
        actor = actors.get(event.actor_id) if event.actor_id else None
        who = display_name(actor) if actor is not None else (event.actor_name or str(_("the system")))
        comments = []
        if show_data and event.action == "task_completed" and task is not None:
            comments = _comments(task.form_key, event.after)
        elif show_data:
            comments = _reason(event.after)
        found.append(Entry(event.at, who, str(ACTIONS.get(event.action, event.action)),
                           step=(task.name if task is not None else event.element), comments=comments))
    return found
