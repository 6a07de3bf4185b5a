"""A signing step: a BPMN user task that is completed by signing its document, not by a form.

A user task is a signing step when it carries the task property ``signature`` = ``person`` or
``organisation`` (``spiffworkflow:property``); the process data names the file (``file_id``, the
version to sign) and the approved hash (``approved_sha256``), as the service tasks
``signing.sign_person`` / ``signing.sign_organisation`` take them. Which files and certificates the
person may use is ``signing.access``'s answer; the checks before signing and their refusals are
``signing.sign``'s and ``signing.requests``' (``signing.exceptions``).

Both transports act here, so a signature made in the pages (``web/views/signing.py``) and one
made through the API (``POST /api/v1/tasks/{id}/sign/``) store the same version and complete the
task with the same data: ``file_id`` moved to the signed version and ``person_signature`` /
``organisation_signature`` the result object the service tasks return, so the next signer builds
on it.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables

from engine import access as engine_access
from engine import definitions, inspection, services
from engine.exceptions import InstanceNotRunning, InvalidData, QuytrinhError, TaskNotOpen
from engine.models import InstanceStatus, ProcessInstance, Task, TaskStatus

from . import access, documents, pins, requests
from .exceptions import SignatureRequestNotFound, SigningError
from .keys import Secret
from .models import (
    DocumentFile,
    HolderKind,
    KeyStorage,
    SignaturePurpose,
    SignatureRequest,
    SigningCertificate,
)
from .sign import SignedDocument, sign_as_organisation, sign_as_person

#: The BPMN task property that makes a user task a signing step, and the purposes it may name.
PROPERTY = "signature"
KIND_FOR: dict[str, str] = {SignaturePurpose.PERSON: HolderKind.PERSON,
                            SignaturePurpose.ORGANISATION: HolderKind.ORGANISATION}
SIGN_FUNCTION: dict[str, Callable[..., SignedDocument]] = {SignaturePurpose.PERSON: sign_as_person,
                                                           SignaturePurpose.ORGANISATION: sign_as_organisation}


class NotASigningStep(QuytrinhError):
    """Not an open signing step the person acts on (or its file is not theirs to see): the same
    answer as for a task that does not exist, so nothing is learnt from it."""

    code = "not_found"
    status = 404
    default_message = gettext_lazy("Not found.")


class SignatureRequired(SigningError):
    """A signing step submitted like any other task: only a signature completes it, or the process
    would go on with a signature nobody made."""

    code = "signature_required"
    default_message = gettext_lazy("This task is completed by signing its document, not by submitting a form.")


@dataclass(frozen=True)
class SignStep:
    """An open signing step as its signer sees it: the purpose, the file (None when the signer may
    not see it), and the certificates ``signing.access`` lets them use for this purpose."""

    purpose: str
    file: DocumentFile | None
    approved_sha256: str
    certificates: list[SigningCertificate] = field(default_factory=list)

    @property
    def has_server_keys(self) -> bool:
        return any(c.key_storage != KeyStorage.EXTERNAL for c in self.certificates)


@dataclass(frozen=True)
class SignedStep:
    """What signing a step did: the completion the engine stored, the signed version, and the
    result object the process data now keeps (``<purpose>_signature``)."""

    completion: services.Completion
    file: DocumentFile
    signature: dict


def purpose_of(task: Task) -> str | None:
    """``person`` or ``organisation`` when the task's BPMN element is a signing step (read from
    the parsed definition, cached per process: no workflow is loaded)."""
    return _purpose_at(_definition_id(task), task.bpmn_id)


def _purpose_at(definition_id: int, bpmn_id: str) -> str | None:
    info = definitions.load_by_id(definition_id)
    specs = [info.spec, *info.subprocess_specs.values()]
    for spec in specs:
        task_spec = spec.task_specs.get(bpmn_id)
        if task_spec is not None:
            value = ((getattr(task_spec, "extensions", None) or {}).get("properties") or {}).get(PROPERTY)
            return value if value in KIND_FOR else None
    return None


def _definition_id(task: Task) -> int:
    """The task's definition, without loading its instance's stored state when nothing else needs it
    (``complete`` asks this of every task it completes)."""
    if Task.instance.is_cached(task):
        return task.instance.definition_id
    return ProcessInstance.objects.values_list("definition_id", flat=True).get(pk=task.instance_id)


def _read(user, task: Task, purpose: str) -> SignStep:
    data = inspection.task_data(task, ("file_id", "approved_sha256"))
    try:
        file_id = uuid.UUID(str(data.get("file_id")))
    except ValueError:
        file_id = None
    file = access.files(user).defer("pdf").filter(pk=file_id).first() if file_id else None
    approved = str(data.get("approved_sha256") or "")
    if file is not None and not approved:
        approved = file.root().sha256
    certificates = list(access.usable_certificates(user).filter(kind=KIND_FOR[purpose])
                        .defer("certificate_der", "stamp_image").order_by("-not_after", "pk"))
    return SignStep(purpose=purpose, file=file, approved_sha256=approved, certificates=certificates)


def step_for(user, task: Task) -> SignStep | None:
    """The signing step of an open task ``user`` acts on, or None for any other task."""
    if task.status != TaskStatus.OPEN or not engine_access.acts_on(user, task):
        return None
    purpose = purpose_of(task)
    return _read(user, task, purpose) if purpose is not None else None


def open_step(user, task: Task) -> SignStep:
    """The step ``user`` is to sign now: ``NotASigningStep`` (404) unless the task is a signing
    step they act on, with a file they may see; ``TaskNotOpen`` (409, as completing it again
    answers) once it is closed, ``InstanceNotRunning`` (409) while its process is suspended."""
    if not engine_access.acts_on(user, task):
        raise NotASigningStep()
    purpose = purpose_of(task)
    if purpose is None:
        raise NotASigningStep()
    if task.status != TaskStatus.OPEN:
        raise TaskNotOpen()
    if task.instance.status == InstanceStatus.SUSPENDED:  # refused before signing, not after it
        raise InstanceNotRunning(_("This process is suspended; its tasks cannot be completed now."))
    step = _read(user, task, purpose)
    if step.file is None:
        raise NotASigningStep()
    return step


def refuse_plain_completion(task: Task) -> None:
    """Raise ``SignatureRequired`` when ``task`` is a signing step: submitting it like a form would
    let the process go on with a ``file_id`` and a ``*_signature`` nobody signed."""
    if purpose_of(task) is not None:
        raise SignatureRequired()


#: The one completion ``_finish`` lets through, while it completes it: (task id, signed version id).
_signed_completion: contextvars.ContextVar[tuple[uuid.UUID, str] | None] = contextvars.ContextVar(
    "signed_completion", default=None)


def guard_completion(task: Task, instance: ProcessInstance, data: Mapping, actor) -> None:
    """The engine's completion guard (``engine.guards``, registered in ``SigningConfig.ready``): a
    signing step is completed only by ``_finish``, with the version it has just signed or stored,
    whoever calls ``engine.services.complete`` (a script, a Celery job, another app); anything else
    is refused with ``SignatureRequired`` before the step runs, so nothing changes."""
    purpose = _purpose_at(instance.definition_id, task.bpmn_id)
    if purpose is None:
        return
    allowed = _signed_completion.get()
    if (allowed is None or allowed != (task.pk, str(data.get("file_id")))
            or not set(data) <= {"file_id", f"{purpose}_signature"}):
        raise SignatureRequired()


def certificate_of(step: SignStep, chosen: SigningCertificate | int | str | None) -> SigningCertificate:
    """The certificate chosen, if it is one of those the step offers its signer; else ``InvalidData``."""
    try:
        wanted = chosen.pk if isinstance(chosen, SigningCertificate) else int(chosen)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        wanted = None
    found = next((c for c in step.certificates if c.pk == wanted), None)
    if found is None:
        raise InvalidData(_("Some fields are not filled in correctly."), errors={"certificate": [
            _("Choose one of your certificates for this step: your own for a personal signature, your "
              "body's for the organisation's.")]})
    return found


def key_for(task: Task, user) -> str:
    """The idempotency key of the version a server-side signature of ``task`` by ``user`` stores:
    the same from the pages and the API, so a second click, or a retried request, after a
    signature that did not complete the task finds it instead of signing again."""
    return f"sign-step:{task.pk}:{user.pk}"


def result_of(row: DocumentFile, *, signed_at: str, level: str) -> dict:
    """What the process data keeps of a signature made in a step: what the service tasks keep."""
    return {"ok": True, **documents.reference(row), "parent_id": str(row.parent_id) if row.parent_id else None,
            "certificate_id": row.certificate_id, "signed_at": signed_at, "level": level}


def _level(row: DocumentFile) -> str:
    return "B-LT" if b"/DSS" in row.content else "B-T"


def _finish(user, task: Task, step: SignStep, row: DocumentFile, *, signed_at: str, level: str) -> SignedStep:
    """Complete the signing task with the signed version ``row``, the step's file signed for its
    purpose (the engine's own checks apply; the completion guard lets only this one through)."""
    assert step.file is not None
    if row.kind != requests.FILE_KIND_FOR[step.purpose] or row.parent_id != step.file.pk:
        raise SignatureRequired()  # not this step's signature: never completes it
    signature = result_of(row, signed_at=signed_at, level=level)
    allowed = _signed_completion.set((task.pk, str(row.pk)))
    try:
        completion = services.complete(task, actor=user, data={"file_id": str(row.pk),
                                                               f"{step.purpose}_signature": signature})
    finally:
        _signed_completion.reset(allowed)
    return SignedStep(completion=completion, file=row, signature=signature)


@sensitive_variables("secret")
def sign_step(user, task: Task, *, certificate: SigningCertificate | int | str | None, secret: Secret | str | None,
              key: str | None = None, step: SignStep | None = None) -> SignedStep:
    """Sign the step's file with a key the server holds, store the signed version and complete the
    task. ``secret`` is the PIN or password typed for this one signature (never kept, logged or
    stored; wrapped in a ``keys.Secret`` at once and forgotten once the key is open; None: the
    key's ``secret_ref``); wrong ones are limited per user and key (``signing.pins``: ``KeyLocked``,
    429). ``key`` makes it at most once: a version already stored under it is completed with
    instead of signing again (default ``key_for(task, user)``). ``step`` is the one the caller
    already read for this task and user (``open_step``).

    Refusals are ``signing.exceptions`` errors (nothing stored), ``InvalidData`` for a certificate
    the step does not offer, and the engine's own (``TaskNotOpen``…) from the completion."""
    pin = Secret.of(secret)
    del secret
    try:
        step = step or open_step(user, task)
        chosen = certificate_of(step, certificate)
        key = key or key_for(task, user)
        done = documents.by_key(key)
        if done is None:
            assert step.file is not None  # open_step, or the caller, made sure
            source = DocumentFile.objects.get(pk=step.file.pk)
            with pins.limited(user, chosen, pin):
                signed = SIGN_FUNCTION[step.purpose](pdf=source.content, certificate=chosen,
                                                     approved_sha256=step.approved_sha256, secret=pin)
            done = documents.store(signed.pdf, kind=requests.FILE_KIND_FOR[step.purpose], parent=source,
                                   certificate=chosen, instance_id=task.instance_id, created_by=user,
                                   idempotency_key=key)
            signed_at, level = signed.signed_at.isoformat(), signed.level
            if done.sha256 != signed.sha256:  # a concurrent request stored its own first: that one counts
                signed_at, level = timezone.localtime(done.created_at).isoformat(), _level(done)
        else:
            signed_at, level = timezone.localtime(done.created_at).isoformat(), _level(done)
    finally:
        if pin is not None:
            pin.forget(opened=pin.opened)
        del pin
    return _finish(user, task, step, done, signed_at=signed_at, level=level)


# --- two-step signing (a USB token, a remote signing service): signing.requests, for a step --------

def prepare_step(user, task: Task, *, certificate: SigningCertificate | int | str | None,
                 step: SignStep | None = None) -> SignatureRequest:
    """The digest the signer's token signs for this step (``signing.requests.prepare``)."""
    step = step or open_step(user, task)
    chosen = certificate_of(step, certificate)
    assert step.file is not None  # open_step, or the caller, made sure
    source = DocumentFile.objects.get(pk=step.file.pk)
    return requests.prepare(source=source, certificate=chosen, purpose=step.purpose, actor=user,
                            approved_sha256=step.approved_sha256)


def request_of(user, step: SignStep, request_id) -> SignatureRequest:
    """The caller's own request for this step's file and purpose; ``SignatureRequestNotFound`` else."""
    assert step.file is not None
    try:
        row = access.requests(user).filter(pk=uuid.UUID(str(request_id)), file_id=step.file.pk,
                                           purpose=step.purpose).first()
    except ValueError:
        row = None
    if row is None:
        raise SignatureRequestNotFound()
    return row


def complete_step(user, task: Task, *, request: SignatureRequest | uuid.UUID | str, signature: bytes,
                  certificate: bytes | None = None, step: SignStep | None = None) -> SignedStep:
    """Embed the token's signature (``signing.requests.complete``: once, a repeat returns the same
    version), then complete the task as ``sign_step`` does."""
    step = step or open_step(user, task)
    row = request if isinstance(request, SignatureRequest) else request_of(user, step, request)
    stored = requests.complete(row, signature=signature, certificate=certificate or bytes(row.certificate_der),
                               actor=user)
    row.refresh_from_db()
    return _finish(user, task, step, stored, signed_at=timezone.localtime(row.created_at).isoformat(),
                  level=_level(stored))
