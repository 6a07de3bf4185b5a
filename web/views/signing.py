"""A signing step in the browser: the task page of a user task marked as a signature shows the file
to sign and the signer's certificates, and signs either with a key the server holds (the PIN typed
in the page, used for this one signature and never kept or logged) or, for a USB token, through
the two-step flow (prepare → the local signing plugin signs the digest → complete).

Which task is a signing step, and what its page shows, is ``web.signsteps``. Signing completes the
task with ``file_id`` moved to the signed version and ``person_signature`` /
``organisation_signature`` the same result object the service tasks return, so the next signer
builds on it.

Every rule is the signing app's: which certificates and files a person may use
(``signing.access``), the checks before signing and their refusals (``signing.sign``,
``signing.requests``). This module only reads the step, calls them, and shows the answer.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from asn1crypto import x509
from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_POST

from engine import access as engine_access
from engine import services
from engine.exceptions import QuytrinhError
from engine.models import Task
from signing import access, documents, requests
from signing.exceptions import SigningError
from signing.models import DocumentFile, SignaturePurpose, SigningCertificate
from signing.sign import SignedDocument, sign_as_organisation, sign_as_person

from .. import denials
from .. import worklist as queues
from ..guards import staff_page
from ..signsteps import SignStep, step_for
from .tasks import _render

SIGN_FUNCTION: dict[str, Callable[..., SignedDocument]] = {SignaturePurpose.PERSON: sign_as_person,
                                                           SignaturePurpose.ORGANISATION: sign_as_organisation}


# --- the pages' actions ----------------------------------------------------------------------------

def _step(request, pk) -> tuple[Task, SignStep, DocumentFile]:
    """The open signing task the person acts on, its step and the file to sign (with its bytes), or
    a recorded 404 (as the task page answers)."""
    task = denials.visible_or_404(
        request, engine_access.actionable_tasks(request.user).select_related("instance__definition"), pk=pk)
    step = step_for(request.user, task)
    if step is None or step.file is None:
        raise denials.not_found(request)
    return task, step, DocumentFile.objects.get(pk=step.file.pk)


def _certificate(step: SignStep, raw) -> SigningCertificate | None:
    try:
        wanted = int(raw)
    except (TypeError, ValueError):
        return None
    return next((c for c in step.certificates if c.pk == wanted), None)


def _result(row: DocumentFile, *, signed_at: str, level: str) -> dict:
    """What the process data keeps of a signature made in the page: what the service tasks keep."""
    return {"ok": True, **documents.reference(row), "parent_id": str(row.parent_id) if row.parent_id else None,
            "certificate_id": row.certificate_id, "signed_at": signed_at, "level": level}


def _complete(request, task: Task, step: SignStep, row: DocumentFile, *, signed_at: str, level: str) -> str:
    """Complete the signing task with the signed version; the URL of where to go next."""
    completion = services.complete(task, actor=request.user, data={
        "file_id": str(row.pk), f"{step.purpose}_signature": _result(row, signed_at=signed_at, level=level)})
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
    task, step, source = _step(request, pk)
    certificate = _certificate(step, request.POST.get("certificate"))
    if certificate is None:
        messages.error(request, _("Choose the certificate to sign with."))
        return redirect("web:task", pk=task.pk)
    pin = request.POST.get("pin", "")
    key = f"web-sign:{task.pk}"
    try:
        done = documents.by_key(key)  # a second click after a signature that did not complete the task
        if done is None:
            signed = SIGN_FUNCTION[step.purpose](pdf=source.content, certificate=certificate,
                                                 approved_sha256=step.approved_sha256, secret=pin)
            done = documents.store(signed.pdf, kind=requests.FILE_KIND_FOR[step.purpose], parent=source,
                                   certificate=certificate, instance_id=task.instance_id, created_by=request.user,
                                   idempotency_key=key)
            signed_at, level = signed.signed_at.isoformat(), signed.level
        else:
            signed_at = timezone.localtime(done.created_at).isoformat()
            level = "B-LT" if b"/DSS" in done.content else "B-T"
        return redirect(_complete(request, task, step, done, signed_at=signed_at, level=level))
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
    task, step, source = _step(request, pk)
    certificate = _certificate(step, request.POST.get("certificate"))
    if certificate is None:
        return JsonResponse({"code": "certificate", "message": _("Choose the certificate to sign with.")}, status=422)
    try:
        row = requests.prepare(source=source, certificate=certificate,
                               purpose=step.purpose, actor=request.user, approved_sha256=step.approved_sha256)
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
    task, step, source = _step(request, pk)
    row = access.requests(request.user).filter(pk=request_id, file_id=source.pk, purpose=step.purpose).first()
    if row is None:
        raise denials.not_found(request)
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
        stored = requests.complete(row, signature=signature, certificate=certificate, actor=request.user)
        row.refresh_from_db()
        signed_at = timezone.localtime(row.created_at).isoformat()
        level = "B-LT" if b"/DSS" in stored.content else "B-T"
        return JsonResponse({"redirect": _complete(request, task, step, stored, signed_at=signed_at, level=level)})
    except QuytrinhError as err:
        return _problem(err)


@require_GET
@staff_page
def document(request, pk):
    """The version to sign, opened in the browser (the page links it; a PDF viewer may show it)."""
    _task, _step_, row = _step(request, pk)
    response = HttpResponse(row.content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{row.pk}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
