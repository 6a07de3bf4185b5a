"""Telling a body's clerks what became of the exchange's work: a packet given up after its last
attempt, a document refused by its recipient. Stored as engine notifications, in the deployment's
language, shown in their worklist."""

from django.conf import settings
from django.utils import translation

from engine import conf as engine_conf
from engine.models import Notification

from . import conf


def tell_clerks(body: str, *, kind: str, message, values: dict | None = None) -> int:
    """Notify the holders of ``NOTIFY_ROLES`` in ``body``; ``message`` (a lazy msgid, formatted with
    ``values``) is rendered in the deployment's language. Returns how many were told."""
    holders = engine_conf.hook("ROLE_HOLDERS")
    if not body or not holders:
        return 0
    people: set[int] = set()
    for role in conf.get("NOTIFY_ROLES"):
        people |= set(holders(role, body))
    with translation.override(settings.LANGUAGE_CODE):
        text = (str(message) % {key: str(value) for key, value in values.items()} if values else str(message))[:500]
    Notification.objects.bulk_create(Notification(user_id=user_id, kind=kind[:40], message=text)
                                     for user_id in sorted(people))
    return len(people)
