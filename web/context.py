"""What every page's header shows: the signed-in person and how many of their notices are unread.
Read lazily, so a page that does not render the header (an API answer, a redirect) pays nothing."""

from django.utils.functional import SimpleLazyObject

from directory.people import display_name
from engine.models import Notification


def unread_count(user) -> int:
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def header(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"web_user_name": SimpleLazyObject(lambda: display_name(user)),
            "web_unread": SimpleLazyObject(lambda: unread_count(user))}
