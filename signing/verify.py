"""Verification of signed PDFs (incoming documents, and our own before the organisation signs).

Every signature is validated against the roots of one trust list, with revocation checked from
stored CRLs and never soft-failed, and nothing fetched from URLs inside the file. The result is a
JSON-able report plus a Vietnamese summary: signer, organisation, signing time, integrity,
trust, revocation, what changed after signing, and one verdict. A document is valid only if it
carries at least one signature and every signature is valid; an invalid incoming document goes
back to the sender (Decree 30 Art. 21.2, scenario S03). A readable PDF without any signature (a
scan of a paper document) is neither: its verdict is ``unsigned`` and the clerk decides.

Every reason given is the true one, in Vietnamese, never a library's enum name: pyHanko reports
several different failures as one sub-indication, so the path it tried is validated again to learn
certvalidator's own error (``_path_error``); what cannot be told apart gets an honest "cannot be
verified against the trust list".
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESIndeterminate
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel, SignatureStatus
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import InsufficientRevinfoError, PathValidationError, ValidationError
from pyhanko_certvalidator.validate import validate_path

from . import pki, trust
from .models import TrustList, Verdict, VerificationReport

logger = logging.getLogger(__name__)

# Incoming documents: accept signing certificates with either usage bit (SIGNING.md, second run).
KEY_USAGE = KeyUsageConstraints(key_usage={"non_repudiation", "digital_signature"}, match_all_key_usages=False)
ALLOWED_LATER_CHANGES = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES, ModificationLevel.FORM_FILLING)


@dataclass
class VerificationResult:
    valid: bool
    report: dict
    summary: str
    statuses: list[PdfSignatureStatus | None] = field(default_factory=list, repr=False)
    embedded: list = field(default_factory=list, repr=False)  # pyHanko's EmbeddedPdfSignature, same order

    @property
    def signatures(self) -> list[dict]:
        return self.report["signatures"]


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _pades_level(status: PdfSignatureStatus, has_dss: bool, has_doc_ts: bool) -> str:
    if status.timestamp_validity is None:
        return "B-B"
    if has_dss:
        return "B-LTA" if has_doc_ts else "B-LT"
    return "B-T"


#: Sub-indications pyHanko 0.38 gives to more than one kind of failure: the reason is asked again.
AMBIGUOUS = (AdESIndeterminate.CERTIFICATE_CHAIN_GENERAL_FAILURE, AdESIndeterminate.TRY_LATER,
             AdESIndeterminate.REVOCATION_OUT_OF_BOUNDS_NO_POE)
REVOCATION_UNKNOWN = (AdESIndeterminate.TRY_LATER, AdESIndeterminate.REVOCATION_OUT_OF_BOUNDS_NO_POE)


def _path_error(status: SignatureStatus, vc: ValidationContext) -> ValidationError | None:
    """certvalidator's error for the path pyHanko tried, or None when it cannot be had again.

    pyHanko maps a missing or unusable CRL (``InsufficientRevinfoError``), a broken CA signature, an
    expired CA and more to the one sub-indication CERTIFICATE_CHAIN_GENERAL_FAILURE, logs the error
    and keeps only the path. Validating that path again with the same context (same roots, CRLs and
    time; its revocation lookups are cached) raises the same error, which then says what happened.
    """
    if status.validation_path is None or status.trust_problem_indic not in AMBIGUOUS:
        return None
    try:
        validate_path(vc, status.validation_path)
    except ValidationError as error:
        return error
    except Exception as exc:  # noqa: BLE001 - asking again must not turn a finding into a crash
        logger.info("path could not be validated again: %r", exc)
    return None


def _chain_reason(status: SignatureStatus, vc: ValidationContext) -> str:
    """Why a certificate was not accepted, as one of: ``revoked``, ``expired``, ``no_chain``,
    ``revocation_unknown`` (signer), ``ca_revocation_unknown`` (a CA above it),
    ``revocation_unknown_somewhere`` (not told which), or ``unknown``."""
    indic = status.trust_problem_indic
    if status.revoked:
        return "revoked"
    if indic in (AdESIndeterminate.OUT_OF_BOUNDS_NO_POE, AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED):
        return "expired"
    if indic == AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND:
        return "no_chain"
    error = _path_error(status, vc)
    if isinstance(error, InsufficientRevinfoError) and not error.is_side_validation:
        return "revocation_unknown" if error.is_ee_cert else "ca_revocation_unknown"
    if isinstance(error, InsufficientRevinfoError) or indic in REVOCATION_UNKNOWN:
        return "revocation_unknown_somewhere"
    if type(error) is PathValidationError:  # a CA's signature, name, policy or CA flag: no valid chain (not a subclass)
        return "no_chain"
    return "unknown"


def _trust_problem(status: PdfSignatureStatus, vc: ValidationContext) -> tuple[str, str]:
    reason = _chain_reason(status, vc)
    if reason == "revoked":
        details = status.revocation_details
        when = {"date": _iso(details.revocation_date) if details else "?"}
        if details is not None and details.ca_revoked:
            return "revoked", _("A certificate authority above the signing certificate was revoked on %(date)s.") % when
        return "revoked", _("The signing certificate was revoked on %(date)s.") % when
    if reason == "expired":
        return "certificate_expired", _("The signing certificate was not valid at the time of signing.")
    if reason == "no_chain":
        return "untrusted", _("The signing certificate does not chain to a trusted root.")
    if reason == "revocation_unknown":
        return "revocation_unknown", _("The revocation status of the signing certificate cannot be checked: no "
                                       "valid, current revocation list (CRL) of its issuer is available.")
    if reason == "ca_revocation_unknown":
        return "revocation_unknown", _("The revocation status of a certificate authority above the signing "
                                       "certificate cannot be checked: no valid, current revocation list (CRL) of "
                                       "its issuer is available.")
    if reason == "revocation_unknown_somewhere":
        return "revocation_unknown", _("The revocation status of the signing certificate cannot be checked "
                                       "(no current CRL).")
    return "untrusted", _("The signing certificate cannot be verified against the trust list.")


def _timestamp_problem(ts, vc: ValidationContext) -> tuple[str, str] | None:
    """What is wrong with the signature timestamp, if anything (its authority's certificate is
    checked the same way as the signer's)."""
    if ts is None or (ts.intact and ts.valid and ts.trusted):
        return None
    if not (ts.intact and ts.valid):
        return "timestamp_invalid", _("The signature timestamp is not valid.")
    reason = _chain_reason(ts, vc)
    if reason in ("revocation_unknown", "ca_revocation_unknown", "revocation_unknown_somewhere"):
        return "timestamp_revocation_unknown", _("The revocation status of the timestamp authority's certificate "
                                                 "cannot be checked: no valid, current revocation list (CRL) is "
                                                 "available.")
    if reason == "no_chain":
        return "timestamp_untrusted", _("The timestamp authority's certificate does not chain to a trusted root.")
    return "timestamp_untrusted", _("The timestamp authority's certificate cannot be verified against the "
                                    "trust list.")


def _changes(status: PdfSignatureStatus) -> tuple[str, str, bool]:
    """(code, Vietnamese text, acceptable) for what happened to the file after this signature."""
    if not status.intact:
        # pyHanko compares revisions; an edit inside the signed revision is invisible to it.
        return "altered", _("The signed content itself was altered after signing."), False
    level = status.modification_level
    if level == ModificationLevel.NONE or (level is None and status.coverage == SignatureCoverageLevel.ENTIRE_FILE):
        return "none", _("Nothing was changed after signing."), True
    if level == ModificationLevel.LTA_UPDATES:
        return "validation_data", _("Only long-term validation data (revocation data, timestamps) was added "
                                    "after signing."), True
    if level == ModificationLevel.FORM_FILLING:
        return "signatures_added", _("Only further signatures or form fields were added after signing."), True
    if level == ModificationLevel.ANNOTATIONS:
        return "annotations", _("Comments or annotations were added after signing."), False
    return "modified", _("The document was edited after signing without a new signature."), False


def _revocation(status: PdfSignatureStatus) -> str:
    """``revoked``, ``not_revoked`` (checked), or ``unknown``: not checked or not checkable."""
    if status.revoked:
        return "revoked"
    return "not_revoked" if status.trusted else "unknown"


def _describe(es, status: PdfSignatureStatus, index: int, *, vc: ValidationContext, has_dss: bool,
              has_doc_ts: bool) -> dict:
    cert = status.signing_cert
    problems: list[dict] = []
    integrity = bool(status.intact and status.valid)
    if not status.intact:
        problems.append({"code": "not_intact", "message": _(
            "The signed content was altered: the document is not the one that was signed.")})
    elif not status.valid:
        problems.append({"code": "bad_signature", "message": _(
            "The signature value does not match the signing certificate.")})
    # certvalidator skips path validation when the content is not intact: report integrity first.
    if integrity and not status.trusted:
        code, message = _trust_problem(status, vc)
        problems.append({"code": code, "message": message})
    ts = status.timestamp_validity
    ts_problem = _timestamp_problem(ts, vc)
    if ts_problem is not None:
        problems.append({"code": ts_problem[0], "message": ts_problem[1]})
    change_code, change_text, change_ok = _changes(status)
    if integrity and not change_ok:
        problems.append({"code": change_code, "message": change_text})
    valid = bool(status.bottom_line) and integrity and change_ok and not problems
    return {
        "index": index,
        "field": es.field_name,
        "signer": pki.describe(cert) if cert is not None else None,
        "holder": pki.holder_name(cert) if cert is not None else "",
        "organisation": pki.organisation(cert) if cert is not None else "",
        "signing_time": _iso(status.signer_reported_dt),
        "timestamp_time": _iso(ts.timestamp) if ts is not None else None,
        "level": _pades_level(status, has_dss, has_doc_ts),
        "integrity": integrity,
        "trusted": bool(status.trusted),
        "revoked": bool(status.revoked),
        "revocation": _revocation(status),
        "coverage": status.coverage.name.lower() if status.coverage else None,
        "modification_level": status.modification_level.name.lower() if status.modification_level else None,
        "changes_after_signing": change_code,
        "changes_text": change_text,
        "reason": str(es.sig_object.get("/Reason", "")),
        "location": str(es.sig_object.get("/Location", "")),
        "valid": valid,
        "problems": problems,
    }


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def _revoked_text(sig: dict) -> str:
    return {"revoked": _("yes"), "not_revoked": _("no")}.get(sig["revocation"], _("cannot be determined"))


def _summary(report: dict) -> str:
    verdict = {Verdict.VALID: _("VALID"), Verdict.UNSIGNED: _("NO DIGITAL SIGNATURE")}.get(report["verdict"],
                                                                                         _("INVALID"))
    lines = [_("Signature verification result: %(verdict)s") % {"verdict": verdict}]
    for problem in report["problems"]:
        lines.append(f"- {problem['message']}")
    for sig in report["signatures"]:
        lines.append(_("Signature %(index)s: %(holder)s, %(organisation)s") % {
            "index": sig["index"], "holder": sig["holder"] or "?", "organisation": sig["organisation"] or "?"})
        if sig["signer"]:
            lines.append("  " + _("Issued by: %(issuer)s; serial number %(serial)s") % {
                "issuer": sig["signer"]["issuer_name"] or sig["signer"]["issuer"],
                "serial": sig["signer"]["serial_number"]})
        lines.append("  " + _("Signing time: %(time)s") % {"time": sig["signing_time"] or "?"})
        if sig["timestamp_time"]:
            lines.append("  " + _("Timestamp: %(time)s") % {"time": sig["timestamp_time"]})
        lines.append("  " + _("Integrity: %(integrity)s; trusted: %(trusted)s; revoked: %(revoked)s") % {
            "integrity": _yes_no(sig["integrity"]), "trusted": _yes_no(sig["trusted"]),
            "revoked": _revoked_text(sig)})
        lines.append("  " + _("Changes after signing: %(changes)s") % {"changes": sig["changes_text"]})
        for problem in sig["problems"]:
            lines.append(f"  - {problem['message']}")
        lines.append("  " + (_("This signature is valid.") if sig["valid"] else _("This signature is NOT valid.")))
    return "\n".join(lines)


def verify_pdf(pdf: bytes, *, trust_list: str | TrustList | None = None,
               validation_context: ValidationContext | None = None) -> VerificationResult:
    """Validate every signature of ``pdf``; never raises for a bad document, it reports it."""
    name = trust.trust_list_name(trust_list)
    with translation.override("vi"):
        report: dict[str, Any] = {
            "document_sha256": hashlib.sha256(pdf).hexdigest(),
            "trust_list": name,
            "verified_at": _iso(timezone.now()),
            "verdict": Verdict.INVALID.value,
            "signature_count": 0,
            "signatures": [],
            "problems": [],
        }
        statuses: list[PdfSignatureStatus | None] = []
        embedded: list = []
        try:
            reader = PdfFileReader(io.BytesIO(pdf), strict=False)
            embedded = list(reader.embedded_regular_signatures)
            has_dss = "/DSS" in reader.root
            has_doc_ts = bool(list(reader.embedded_timestamp_signatures))
        except (PdfError, ValueError, KeyError, TypeError) as exc:
            logger.info("unreadable PDF: %s", exc)
            report["problems"].append({"code": "unreadable", "message": _("The file is not a readable PDF document.")})
            return VerificationResult(valid=False, report=report, summary=_summary(report))
        if not embedded:
            report["verdict"] = Verdict.UNSIGNED.value
            report["problems"].append({"code": "no_signatures", "message": _(
                "The document carries no digital signature (for example, a scan of a paper document). The clerk "
                "must check it and decide whether to register it or return it.")})
            return VerificationResult(valid=False, report=report, summary=_summary(report))
        vc = validation_context or trust.validation_context(trust_list=name)
        for index, es in enumerate(embedded, start=1):
            try:
                status = validate_pdf_signature(es, vc, key_usage_settings=KEY_USAGE)
            except Exception as exc:  # noqa: BLE001 - a malformed signature is a finding, not a crash
                logger.info("signature %s could not be validated: %r", index, exc)
                report["signatures"].append({
                    "index": index, "field": es.field_name, "signer": None, "holder": "", "organisation": "",
                    "signing_time": None, "timestamp_time": None, "level": None, "integrity": False,
                    "trusted": False, "revoked": False, "revocation": "unknown", "coverage": None,
                    "modification_level": None, "changes_after_signing": None, "changes_text": "", "reason": "",
                    "location": "", "valid": False, "problems": [{"code": "malformed", "message": _(
                        "The signature is malformed and could not be checked.")}],
                })
                statuses.append(None)
                continue
            statuses.append(status)
            report["signatures"].append(_describe(es, status, index, vc=vc, has_dss=has_dss, has_doc_ts=has_doc_ts))
        report["signature_count"] = len(report["signatures"])
        valid = bool(report["signatures"]) and all(s["valid"] for s in report["signatures"])
        report["verdict"] = (Verdict.VALID if valid else Verdict.INVALID).value
        return VerificationResult(valid=valid, report=report, summary=_summary(report), statuses=statuses,
                                  embedded=embedded)


def verify_and_store(pdf: bytes, *, trust_list: str | TrustList | None = None, file_name: str = "",
                     file=None, created_by=None, instance_id=None) -> VerificationReport:
    """Verify and keep the report (what the incoming-document process stores with the document);
    ``file`` is the stored ``DocumentFile`` it was made from, if any."""
    result = verify_pdf(pdf, trust_list=trust_list)
    return VerificationReport.objects.create(
        document_sha256=result.report["document_sha256"], file_name=file_name[:300],
        trust_list=result.report["trust_list"], verdict=result.report["verdict"],
        signature_count=result.report["signature_count"], report=result.report, summary=result.summary,
        file=file, created_by=created_by, instance_id=instance_id,
    )
