"""Drafts: what someone has typed into a task's form but not submitted yet, kept per task and person.

A draft is not checked against the form (it may be half-filled); it must only be a JSON object of
reasonable size, and its task must still be open.
"""

import json

from django.utils.translation import gettext as _

from engine import rows
from engine.data import refuse_nul
from engine.exceptions import InvalidData, TaskNotOpen
from engine.models import Task, TaskStatus

from .models import FormDraft

MAX_DRAFT_BYTES = 100_000


def _checked(data) -> dict:
    if not isinstance(data, dict):
        raise InvalidData(_("The data must be a JSON object."))
    try:
        size = len(json.dumps(data, ensure_ascii=False).encode("utf-8"))
    except (TypeError, ValueError) as err:
        raise InvalidData(_("The data must be a JSON object.")) from err
    if size > MAX_DRAFT_BYTES:
        raise InvalidData(_("A draft may hold at most %(kb)s kB.") % {"kb": MAX_DRAFT_BYTES // 1000},
                          errors={"": [_("Too large.")]})
    refuse_nul(data)
    return data


def save_draft(*, task: Task, user, data: dict) -> FormDraft:
    """Keep ``user``'s draft of ``task``'s form, replacing the previous one."""
    data = _checked(data)
    if task.status != TaskStatus.OPEN:
        raise TaskNotOpen()
    draft, _created = FormDraft.objects.update_or_create(task=task, user=user, defaults={"data": data})
    return draft


def get_draft(*, task: Task, user) -> dict | None:
    """``user``'s draft of ``task``'s form, or None."""
    return FormDraft.objects.filter(task=task, user=user).values_list("data", flat=True).first()


def discard_draft(*, task: Task, user=None) -> int:
    """Drop ``user``'s draft of ``task`` (everyone's when ``user`` is None, e.g. once the task is
    done); returns how many were dropped."""
    # Nothing refers to a draft: one plain DELETE, without the collector's transaction, lookups
    # and query building (this runs after every completion).
    if user is None:
        return rows.delete_where(FormDraft, task=task.pk)
    return rows.delete_where(FormDraft, task=task.pk, user=user.pk)
