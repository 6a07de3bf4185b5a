"""Refusals on record: a page that answers "not found" or "not allowed" to a signed-in person first
appends an ``access_denied`` event to the audit stream ``access``, as the API does for its own."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from engine import access


def record(request, status: int) -> None:
    access.record_denial(request, status, via="web")


def not_found(request) -> Http404:
    """Record the refusal and return the exception to raise: the object may not exist, or the person
    may not see it; the page says the same in both cases."""
    record(request, 404)
    return Http404()


def not_allowed(request, message: str = "") -> PermissionDenied:
    record(request, 403)
    return PermissionDenied(message)


def visible_or_404(request, queryset, **lookup):
    """The object of ``queryset`` (already scoped to the person by an access module) matching
    ``lookup``, or a recorded 404 (the URL patterns only let well-formed ids through)."""
    found = queryset.filter(**lookup).first()
    if found is None:
        raise not_found(request)
    return found
