"""Signing and verification offered to BPMN as service tasks (registered in ``SigningConfig.ready``).

Background (``background=True``, run as jobs outside the step, see ``engine.jobs``):

- ``signing.sign_person``: the competent person's signature;
- ``signing.sign_organisation``: the organisation's signature after it;
- ``signing.sign_attachment``: the organisation's text stamp on an appendix in a separate file.

Parameters: ``file_id`` (the version to sign), ``approved_sha256`` (recorded at approval), and the
certificate: ``certificate_id``, or ``user`` (username, person) / ``body`` (body code,
organisation) whose active certificate is used; ``notation`` for attachments. Each stores a new
``DocumentFile`` under the job's idempotency key and returns ``{"ok": true, "file_id", "sha256",
"signed_at", "level", ...}``: a job that runs again finds that version and returns it, it never
signs twice.

Which failures retry: a job that raises is retried with backoff and then becomes an incident for an
administrator (``engine.jobs``). That is right for what an operator can fix or what passes by itself
— the timestamp authority not answering (``TimestampUnavailable``), a key file or password that
cannot be read (``KeyUnavailable``), missing settings, a BPMN that passes no ``approved_sha256``.
A business refusal will not pass by retrying: an expired, revoked or untrusted certificate (S15),
a document changed after approval, no personal signature before the organisation's, a key only a
USB token holds. Those return ``{"ok": false, "code", "message"}`` (message in Vietnamese), the job
completes, and the BPMN routes on ``ok`` (e.g. back to a "Chờ ký" task showing the message).

Quick (inside the step):

- ``signing.check_verification``: the stored verification report named by ``verification_id``
  (a parameter or the process data) → ``{"checked", "valid", "verdict", "summary", ...}``; without
  one, ``checked`` is false (a paper document). The report is bound to the instance. ``verdict`` is
  ``valid``, ``invalid`` or ``unsigned`` (a PDF without signatures, e.g. a scan: ``valid`` is false
  but it is not invalid, so the BPMN leaves it to the clerk instead of returning it).
- ``signing.verify_file``: verify a stored file now and keep the report.
"""

from __future__ import annotations

import uuid

from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from engine import handlers
from engine.exceptions import InvalidData

from . import documents, exceptions
from .models import (
    DocumentFile,
    FileKind,
    HolderKind,
    SignaturePurpose,
    SigningCertificate,
    Verdict,
    VerificationReport,
)
from .sign import sign_as_organisation, sign_as_person, sign_attachment
from .verify import verify_and_store

#: Failures that pass or that an operator fixes: raised, so the job retries and ends as an incident.
#: (``ExternalKeyOnly`` is a ``KeyUnavailable`` but a business outcome: the holder signs two-step.)
RETRIED = (exceptions.TimestampUnavailable, exceptions.KeyUnavailable)


def _vi(text) -> str:
    with translation.override("vi"):
        return str(text)


def refusal(code: str, message, **extra) -> dict:
    """The result of a signing step that was refused for a business reason."""
    return {"ok": False, "code": code, "message": _vi(message), **extra}


def _uuid(value, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise ValueError(f"service task parameter {name!r} must be an id, got {value!r}") from None


def choose_certificate(params: dict, *, kind: str) -> SigningCertificate | None:
    """The certificate named by ``certificate_id``, or the newest active one of ``user`` (person) or
    ``body`` (organisation). An expired one is still chosen, so the check says why it cannot sign."""
    if params.get("certificate_id"):
        return SigningCertificate.objects.filter(pk=params["certificate_id"], kind=kind).first()
    rows = SigningCertificate.objects.filter(active=True, kind=kind)
    if kind == HolderKind.PERSON and params.get("user"):
        value = str(params["user"])
        rows = rows.filter(Q(user__username=value) | (Q(user_id=int(value)) if value.isdigit() else Q(pk__in=[])))
    elif kind == HolderKind.ORGANISATION and params.get("body"):
        rows = rows.filter(body=str(params["body"]))
    else:
        return None
    return rows.order_by("-not_after", "-pk").first()


def _sign(purpose: str, *, params: dict, context) -> dict:
    done = documents.by_key(context.idempotency_key)
    if done is not None:  # this job already signed: give back what it made
        return _result(done)
    approved = str(params.get("approved_sha256") or "")
    if len(approved) != 64:
        raise ValueError("service task parameter 'approved_sha256' (recorded at approval) is required")
    source = DocumentFile.objects.filter(pk=_uuid(params.get("file_id"), "file_id")).first()
    if source is None:
        raise ValueError(f"no document file {params.get('file_id')!r}")
    kind = HolderKind.PERSON if purpose == SignaturePurpose.PERSON else HolderKind.ORGANISATION
    certificate = choose_certificate(params, kind=kind)
    if certificate is None:
        return refusal("certificate_missing", gettext_lazy("No signing certificate is registered for this signer."),
                       file_id=str(source.pk))
    try:
        if purpose == SignaturePurpose.PERSON:
            signed = sign_as_person(pdf=source.content, certificate=certificate, approved_sha256=approved)
            file_kind = FileKind.PERSON_SIGNED
        elif purpose == SignaturePurpose.ORGANISATION:
            signed = sign_as_organisation(pdf=source.content, certificate=certificate, approved_sha256=approved)
            file_kind = FileKind.ORGANISATION_SIGNED
        else:
            signed = sign_attachment(pdf=source.content, certificate=certificate, approved_sha256=approved,
                                     notation=str(params.get("notation") or ""))
            file_kind = FileKind.ATTACHMENT
    except exceptions.ExternalKeyOnly as err:
        return refusal(err.code, err, file_id=str(source.pk), certificate_id=certificate.pk)
    except RETRIED:
        raise
    except exceptions.SigningError as err:
        return refusal(err.code, err, file_id=str(source.pk), certificate_id=certificate.pk)
    row = documents.store(signed.pdf, kind=file_kind, parent=source, certificate=certificate,
                          instance_id=_uuid(context.instance_id, "instance"), idempotency_key=context.idempotency_key)
    return _result(row, signed_at=signed.signed_at.isoformat(), level=signed.level)


def _result(row: DocumentFile, *, signed_at: str | None = None, level: str | None = None) -> dict:
    return {"ok": True, **documents.reference(row), "parent_id": str(row.parent_id) if row.parent_id else None,
            "certificate_id": row.certificate_id,
            "signed_at": signed_at or timezone.localtime(row.created_at).isoformat(),
            "level": level or ("B-LT" if b"/DSS" in row.content else "B-T")}


@handlers.register("signing.sign_person", background=True,
                   description="Sign a stored PDF as the competent person (PAdES B-T/B-LT).")
def sign_person(*, params, data, context):
    return _sign(SignaturePurpose.PERSON, params=params, context=context)


@handlers.register("signing.sign_organisation", background=True,
                   description="Sign a stored PDF as the organisation, after the competent person.")
def sign_organisation(*, params, data, context):
    return _sign(SignaturePurpose.ORGANISATION, params=params, context=context)


@handlers.register("signing.sign_attachment", background=True,
                   description="Sign an attachment in a separate file as the organisation (text stamp).")
def sign_attachment_task(*, params, data, context):
    return _sign(SignaturePurpose.ATTACHMENT, params=params, context=context)


def report_result(report: VerificationReport) -> dict:
    """What the process data keeps of a report: ``verdict`` as stored, ``valid`` only when valid."""
    valid = report.verdict == Verdict.VALID
    return {"checked": True, "valid": valid, "verdict": report.verdict, "verification_id": report.pk,
            "document_sha256": report.document_sha256, "signature_count": report.signature_count,
            "file_id": str(report.file_id) if report.file_id else None, "summary": report.summary}


@handlers.register("signing.check_verification",
                   description="Read the verification report of an incoming PDF (verification_id) into the data.")
def check_verification(*, params, data, context):
    raw = params.get("verification_id") or data.get("verification_id")
    if raw in (None, ""):
        return {"checked": False, "valid": None, "verdict": None, "verification_id": None, "summary": ""}
    refused = InvalidData(_("The verification report does not exist or belongs to another document."),
                          errors={"verification_id": [_("Unknown verification report.")]})
    try:
        report_id = int(raw)
    except (TypeError, ValueError):
        raise refused from None
    report = VerificationReport.objects.select_for_update().filter(pk=report_id).first()
    actor = getattr(context, "actor", None)
    instance = getattr(context, "instance", None)
    if report is None or (actor is not None and report.created_by_id not in (None, actor.pk)):
        raise refused
    if instance is not None:
        if report.instance_id not in (None, instance.pk):
            raise refused
        if report.instance_id is None:
            VerificationReport.objects.filter(pk=report.pk).update(instance_id=instance.pk)
    return report_result(report)


@handlers.register("signing.verify_file", description="Verify the signatures of a stored PDF (file_id) now.")
def verify_file(*, params, data, context):
    row = DocumentFile.objects.filter(pk=_uuid(params.get("file_id"), "file_id")).first()
    if row is None:
        raise InvalidData(_("There is no such document file."), errors={"file_id": [_("Unknown file.")]})
    instance = getattr(context, "instance", None)
    report = verify_and_store(row.content, trust_list=params.get("trust_list") or None, file_name=row.file_name,
                              file=row, instance_id=instance.pk if instance is not None else None)
    return report_result(report)
