"""A body's units (its office, boards, cells) and its leader on duty: what a leader assigning a
document chooses from, and whom a Hỏa tốc document reaches at once."""

from datetime import date

from django.contrib.auth import get_user_model

from .models import Body, Duty


def units(body_code: str) -> dict[str, str]:
    """The engine's UNITS hook: code -> name of the bodies directly under ``body_code``."""
    return dict(Body.objects.filter(parent__code=body_code).order_by("code").values_list("code", "name"))


def on_duty(body_code: str, day: date) -> tuple[str | None, str | None]:
    """(leader, deputy) usernames on duty in ``body_code`` on ``day``; (None, None) when the roster
    has nobody that day."""
    duty = Duty.objects.filter(body__code=body_code, day=day).values("leader_id", "deputy_id").first()
    if duty is None:
        return None, None
    user_model = get_user_model()
    names = dict(user_model.objects.filter(pk__in=[duty["leader_id"], duty["deputy_id"]])
                 .values_list("pk", user_model.USERNAME_FIELD))
    return names.get(duty["leader_id"]), names.get(duty["deputy_id"])
