"""Errors as RFC 9457 problem details (``application/problem+json``), and denials on record.

Every error the apps raise on purpose (``engine.exceptions.QuytrinhError``) carries its HTTP
status and code: invalid data 400 (with ``errors`` per field path), not allowed 403, not visible
or unknown 404, a lost race or a task no longer open 409, a failing process script or a document
that cannot be signed 422, a service that did not answer 503 (with ``Retry-After``). Every
401/403/404 leaves an audit event (stream ``access``): who asked for what.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from engine import access
from engine.exceptions import DeploymentError, InvalidData, QuytrinhError

TYPE_BASE = "https://quytrinh.vn/problems/"
CONTENT_TYPE = "application/problem+json"

def problem(status_code: int, code: str, detail: str, **extra) -> Response:
    body = {"type": TYPE_BASE + code, "title": _title(status_code), "status": status_code, "detail": detail, **extra}
    return Response(body, status=status_code, content_type=CONTENT_TYPE)


def _title(status_code: int) -> str:
    return {400: _("Invalid request"), 401: _("Not signed in"), 403: _("Not allowed"), 404: _("Not found"),
            405: _("Method not allowed"), 409: _("Conflict"), 413: _("Too large"), 415: _("Unsupported media type"),
            422: _("The process could not go on"), 429: _("Too many requests"),
            503: _("Service unavailable")}.get(status_code, _("Error"))


def handle(exc, context):
    """DRF's EXCEPTION_HANDLER."""
    request = context.get("request")
    if isinstance(exc, QuytrinhError):
        return _from_error(exc, request)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_handler(exc, context)
    if response is None:
        return None
    code = response.status_code
    if code in (401, 403, 404):
        record_denial(request, code)
    extra = {}
    detail = response.data.get("detail") if isinstance(response.data, dict) else None
    if detail is None:
        extra["errors"] = _field_errors(response.data)
        detail = _("The request is not valid; see the errors.")
    result = problem(code, getattr(exc, "default_code", "error"), str(detail), **extra)
    for header in ("Retry-After", "WWW-Authenticate", "Allow"):
        if header in response:
            result[header] = response[header]
    return result


def _from_error(exc: QuytrinhError, request) -> Response:
    extra: dict[str, object] = {}
    if isinstance(exc, DeploymentError):
        extra["errors"] = [p.as_dict() for p in exc.problems]
    elif isinstance(exc, InvalidData):
        extra["errors"] = {path: [str(m) for m in messages] for path, messages in exc.errors.items()}
    elif exc.details.get("problems"):
        extra["errors"] = exc.details["problems"]
    elif exc.details.get("element"):
        extra["element"] = exc.details["element"]
    if exc.status in (401, 403, 404):
        record_denial(request, exc.status)
    response = problem(exc.status, exc.code, exc.message, **extra)
    if exc.retry_after:
        response["Retry-After"] = str(exc.retry_after)
    return response


def _field_errors(data, prefix: str = "") -> dict:
    """DRF serializer errors flattened to {"path/to/field": [messages]}."""
    found = {}
    if isinstance(data, dict):
        for key, value in data.items():
            found.update(_field_errors(value, f"{prefix}/{key}" if prefix else str(key)))
    elif isinstance(data, list) and data and all(isinstance(v, str) for v in data):
        found[prefix or "non_field_errors"] = [str(v) for v in data]
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.update(_field_errors(value, f"{prefix}/{index}"))
    else:
        found[prefix or "non_field_errors"] = [str(data)]
    return found


def record_denial(request, code: int) -> None:
    if request is not None:
        access.record_denial(request, code)

