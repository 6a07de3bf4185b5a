"""A signing step in the browser: the task page of a user task marked as a signature shows the file
to sign and the signer's certificates, and signs either with a key the server holds (the PIN typed
in the page, used for this one signature and never kept or logged) or, for a USB token, through
the two-step flow (prepare → the local signing plugin signs the digest → complete).

Which task is a signing step, what its signer may use, and the act of signing it (store the signed
version once, complete the task with ``file_id`` moved to it and ``person_signature`` /
``organisation_signature`` the result object the service tasks return) are ``signing.steps``,
which the API's ``/tasks/{id}/sign/`` shares. Every rule is the signing app's: which certificates
and files a person may use (``signing.access``), the checks before signing and their refusals
(``signing.sign``, ``signing.requests``). This module only reads the step, calls them, and shows
the answer.
"""

from __future__ import annotations

import base64
import binascii

from asn1crypto import x509
from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_POST

from engine import access as engine_access
from engine.exceptions import QuytrinhError
from engine.models import Task
from signing import steps
from signing.exceptions import SignatureRequestNotFound, SigningError
from signing.models import DocumentFile, SigningCertificate
from signing.steps import SignedStep, SignStep, step_for

from .. import denials
from .. import worklist as queues
from ..guards import staff_page
from .tasks import _render

# --- the pages' actions ----------------------------------------------------------------------------

def _step(request, pk) -> tuple[Task, SignStep]:
    """The open signing task the person acts on and its step (with a file they may see), or a
    recorded 404 (as the task page answers)."""
    task = denials.visible_or_404(
        request, engine_access.actionable_tasks(request.user).select_related("instance__definition"), pk=pk)
    step = step_for(request.user, task)
    if step is None or step.file is None:
        raise denials.not_found(request)
    return task, step


def _certificate(step: SignStep, raw) -> SigningCertificate | None:
    try:
        wanted = int(raw)
    except (TypeError, ValueError):
        return None
    return next((c for c in step.certificates if c.pk == wanted), None)


def _next(request, task: Task, signed: SignedStep) -> str:
    """The URL of where to go after the signing task completed."""
    completion = signed.completion
    messages.success(request, _("Completed: %(name)s.") % {"name": task.name})
    following = queues.open_tasks_of(request.user, [r.pk for r in completion.opened] + completion.still_open)
    return reverse("web:task", args=[following[0].pk]) if following else reverse("web:worklist")


def _refused(request, task: Task, err: QuytrinhError):
    if err.status in (403, 404):
        denials.record(request, err.status)
    messages.error(request, err.message)
    return _render(request, task, status=err.status if err.status >= 400 else 422)


@require_POST
@sensitive_post_parameters("pin")
@staff_page
@sensitive_variables("pin")
def sign(request, pk):
    """Sign with a key the server holds, unlocked by the PIN typed in the page for this signature."""
    task, step = _step(request, pk)
    certificate = _certificate(step, request.POST.get("certificate"))
    if certificate is None:
        messages.error(request, _("Choose the certificate to sign with."))
        return redirect("web:task", pk=task.pk)
    pin = request.POST.get("pin", "")
    try:
        signed = steps.sign_step(request.user, task, certificate=certificate, secret=pin, step=step)
        return redirect(_next(request, task, signed))
    except SigningError as err:
        if err.code == "key_unavailable":
            messages.warning(request, _("Check the PIN of the key and try again."))
        return _refused(request, task, err)
    except QuytrinhError as err:
        return _refused(request, task, err)
    finally:
        del pin


def _problem(err: QuytrinhError) -> JsonResponse:
    return JsonResponse({"code": err.code, "message": str(err.message)}, status=err.status)


@require_POST
@staff_page
def prepare(request, pk):
    """Two-step signing, first step: the digest the token signs, as JSON for ``signing.js``."""
    task, step = _step(request, pk)
    certificate = _certificate(step, request.POST.get("certificate"))
    if certificate is None:
        return JsonResponse({"code": "certificate", "message": _("Choose the certificate to sign with.")}, status=422)
    try:
        row = steps.prepare_step(request.user, task, certificate=certificate, step=step)
    except QuytrinhError as err:
        return _problem(err)
    der = bytes(row.certificate_der)
    algorithm = "ecdsa" if x509.Certificate.load(der).public_key.algorithm == "ec" else "rsassa_pkcs1v15"
    return JsonResponse({
        "request": str(row.pk), "digest": base64.b64encode(bytes(row.digest_to_sign)).decode(),
        "data_to_sign": base64.b64encode(bytes(row.signed_attributes)).decode(), "digest_algorithm": row.md_algorithm,
        "signature_algorithm": algorithm, "certificate": base64.b64encode(der).decode(),
        "expires_at": row.expires_at.isoformat(),
        "complete": reverse("web:sign_complete", args=[task.pk, row.pk])}, status=201)


@require_POST
@staff_page
def complete(request, pk, request_id):
    """Two-step signing, last step: embed the token's signature, store the signed version and
    complete the task; JSON with the URL to go to next."""
    task, step = _step(request, pk)
    try:
        row = steps.request_of(request.user, step, request_id)
    except SignatureRequestNotFound:
        raise denials.not_found(request) from None
    try:
        signature = base64.b64decode(request.POST.get("signature", ""), validate=True)
        given = request.POST.get("certificate", "")
        certificate = (given.encode() if "-----BEGIN" in given
                       else base64.b64decode(given, validate=True) if given else bytes(row.certificate_der))
    except (binascii.Error, ValueError):
        return JsonResponse({"code": "invalid", "message": _("Not valid base64.")}, status=422)
    if not signature:
        return JsonResponse({"code": "invalid", "message": _("Not valid base64.")}, status=422)
    try:
        signed = steps.complete_step(request.user, task, request=row, signature=signature, certificate=certificate,
                                     step=step)
        return JsonResponse({"redirect": _next(request, task, signed)})
    except QuytrinhError as err:
        return _problem(err)


@require_GET
@staff_page
def document(request, pk):
    """The version to sign, opened in the browser (the page links it; a PDF viewer may show it)."""
    _task, step = _step(request, pk)
    assert step.file is not None  # _step made sure
    row = DocumentFile.objects.get(pk=step.file.pk)
    response = HttpResponse(row.content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{row.pk}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
