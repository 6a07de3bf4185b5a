"""What the REST API needs from forms (``settings.API["FORMS"]``): definitions and drafts."""

from .models import FormDraft
from .registry import get
from .validation import check_draft

__all__ = ["get", "load_draft", "save_draft", "discard_draft"]


def load_draft(*, task, user) -> dict | None:
    draft = FormDraft.objects.filter(task=task, user=user).only("data").first()
    return draft.data if draft else None


def save_draft(*, task, user, data: dict) -> None:
    check_draft(data)
    FormDraft.objects.update_or_create(task=task, user=user, defaults={"data": data})


def discard_draft(*, task, user) -> None:
    FormDraft.objects.filter(task=task, user=user).delete()
