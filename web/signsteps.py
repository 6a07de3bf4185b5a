"""What the task page adds for a signing step (``web/views/tasks.py``; ``web/views/signing.py``
acts on it). Which task is a signing step, and what its signer may use, is ``signing.steps``."""

from __future__ import annotations

from django.utils import timezone

from engine.models import Task
from signing.steps import step_for


def context_for(user, task: Task) -> dict:
    """What the task page adds for a signing step (``signing`` is None for other tasks)."""
    step = step_for(user, task)
    return {"signing": step, "signing_now": timezone.now() if step else None}
