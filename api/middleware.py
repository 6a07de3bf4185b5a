"""Refusals made before a view runs."""

from django.http import JsonResponse
from django.utils.translation import gettext as _

from .problems import CONTENT_TYPE, TYPE_BASE


class RefuseNulInQuery:
    """A NUL character in a query parameter reaches no view: PostgreSQL cannot compare text holding
    one, so a filter on it would fail with a server error instead of saying the request is bad."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/") and any(
                "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            return JsonResponse({"type": TYPE_BASE + "invalid", "title": _("Invalid request"), "status": 400,
                                 "detail": _("Contains a character that cannot be stored.")},
                                status=400, content_type=CONTENT_TYPE)
        return self.get_response(request)
