"""Verification of signed PDFs (incoming documents, and our own before the organisation signs).

Every signature is validated against the roots of one trust list, with revocation checked from
stored CRLs and never soft-failed, and nothing fetched from URLs inside the file. The result is a
JSON-able report plus a Vietnamese summary: signer, organisation, signing time, integrity,
trust, revocation, what changed after signing, and one verdict. A document is valid only if it
carries at least one signature and every signature is valid; an invalid incoming document goes
back to the sender (Decree 30 Art. 21.2, scenario S03).
"""

from __future__ import annotations

import enum
import hashlib
import io
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESIndeterminate
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

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


def _trust_problem(status: PdfSignatureStatus) -> tuple[str, str]:
    indic = status.trust_problem_indic
    if status.revoked:
        details = status.revocation_details
        when = _iso(details.revocation_date) if details else "?"
        return "revoked", _("The signing certificate was revoked on %(date)s.") % {"date": when}
    if indic in (AdESIndeterminate.TRY_LATER, AdESIndeterminate.REVOCATION_OUT_OF_BOUNDS_NO_POE):
        return "revocation_unknown", _("The revocation status of the signing certificate cannot be checked "
                                       "(no current CRL).")
    if indic in (AdESIndeterminate.OUT_OF_BOUNDS_NO_POE, AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED):
        return "certificate_expired", _("The signing certificate was not valid at the time of signing.")
    if indic == AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND:
        return "untrusted", _("The signing certificate does not chain to a trusted root.")
    # pyHanko's sub-indications are all enum members (AdESFailure, AdESIndeterminate…); their base doesn't say so.
    return "untrusted", _("The signing certificate is not trusted (%(reason)s).") % {
        "reason": cast(enum.Enum, indic).name if indic else "?"}


def _changes(status: PdfSignatureStatus) -> tuple[str, str, bool]:
    """(code, Vietnamese text, acceptable) for what happened to the file after this signature."""
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


def _describe(es, status: PdfSignatureStatus, index: int, *, has_dss: bool, has_doc_ts: bool) -> dict:
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
        code, message = _trust_problem(status)
        problems.append({"code": code, "message": message})
    ts = status.timestamp_validity
    if ts is not None and not (ts.intact and ts.valid and ts.trusted):
        problems.append({"code": "timestamp_invalid", "message": _("The signature timestamp is not valid.")})
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


def _summary(report: dict) -> str:
    verdict = _("VALID") if report["verdict"] == Verdict.VALID else _("INVALID")
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
            "revoked": _yes_no(sig["revoked"])})
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
            report["problems"].append({"code": "no_signatures", "message": _("The document carries no signature.")})
        vc = validation_context or trust.validation_context(trust_list=name)
        for index, es in enumerate(embedded, start=1):
            try:
                status = validate_pdf_signature(es, vc, key_usage_settings=KEY_USAGE)
            except Exception as exc:  # noqa: BLE001 - a malformed signature is a finding, not a crash
                logger.info("signature %s could not be validated: %r", index, exc)
                report["signatures"].append({
                    "index": index, "field": es.field_name, "signer": None, "holder": "", "organisation": "",
                    "signing_time": None, "timestamp_time": None, "level": None, "integrity": False,
                    "trusted": False, "revoked": False, "coverage": None, "modification_level": None,
                    "changes_after_signing": None, "changes_text": "", "reason": "", "location": "",
                    "valid": False, "problems": [{"code": "malformed", "message": _(
                        "The signature is malformed and could not be checked.")}],
                })
                statuses.append(None)
                continue
            statuses.append(status)
            report["signatures"].append(_describe(es, status, index, has_dss=has_dss, has_doc_ts=has_doc_ts))
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
