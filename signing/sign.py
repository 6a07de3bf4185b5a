"""PAdES signatures on documents: the competent person first, then the organisation; and the
organisation's signature on an attachment in a separate file (Decree 30 Art. 32, Appendix I).

Every signature is an approval signature in its own incremental update (person then organisation
as approval + approval validates cleanly without pre-created fields, SIGNING.md §2b), PAdES B-T
with the deployment's timestamp authority, and B-LT when the trust list has revocation data.
Before signing: the file must be the approved version, the certificate must be valid, trusted
and not revoked, and for the organisation a valid personal signature must be there.

These functions take and return bytes and raise ``signing.exceptions`` errors, so a background
job or an API view can call them directly and store the result.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import cast
from zoneinfo import ZoneInfo

from asn1crypto import x509 as asn1_x509
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.stamp import BaseStampStyle
from pyhanko_certvalidator import ValidationContext

from . import checks, conf, exceptions, images, keys, revisions, stamps, trust, verify
from .models import HolderKind, SignaturePurpose, SigningCertificate
from .render import ATTACHMENT_FIELD, ORGANISATION_FIELD, PERSON_FIELD
from .tsa import configured_timestamper

logger = logging.getLogger(__name__)


class _ExpectedNoFetching(logging.Filter):
    """B-LT embeds the stored CRLs; fetching is off by design, so pyHanko's warning about it is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "fetching is not allowed" not in record.getMessage()


logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_ExpectedNoFetching())

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class SignedDocument:
    pdf: bytes
    sha256: str
    field_name: str
    signed_at: datetime
    level: str  # "B-T" or "B-LT"


class TimedPdfSigner(signers.PdfSigner):
    """A ``PdfSigner`` whose signing time is chosen by us, so the visible stamp, the signature
    dictionary and the report all show the same second, in Vietnam time."""

    def __init__(self, *args, signing_time: datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self._signing_time = signing_time

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._signing_time
        return session


def now_vn() -> datetime:
    return timezone.now().astimezone(VN_TZ).replace(microsecond=0)


def _reader(pdf: bytes) -> PdfFileReader:
    try:
        return PdfFileReader(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise exceptions.InvalidDocument() from exc


def _writer(pdf: bytes) -> IncrementalPdfFileWriter:
    try:
        return IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise exceptions.InvalidDocument() from exc


def sign_pdf(pdf: bytes, *, signer: signers.Signer, field_name: str, timestamper: TimeStamper | None,
             stamp_style: BaseStampStyle | None = None, page: int = 0,
             box: tuple[float, float, float, float] | None = None, text_params: dict | None = None,
             reason: str = "", location: str = "", signing_time: datetime | None = None,
             validation_context: ValidationContext | None = None,
             bytes_reserved: int | None = None) -> SignedDocument:
    """Add one PAdES signature as an incremental update. No policy checks: callers do those.

    The signature goes into the empty field ``field_name`` if the file has one, else into a new
    field (visible at ``box`` on ``page``, invisible without a box). ``timestamper`` makes it
    B-T; ``validation_context`` also embeds the revocation data it holds (B-LT).
    """
    signing_time = signing_time or now_vn()
    lt = validation_context is not None
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None, location=location or None,
        embed_validation_info=lt, validation_context=validation_context,
    )
    # pyHanko annotates the box as ints but writes any number (as PDF reals); ours are fractional points.
    field_box = cast("tuple[int, int, int, int] | None", box)
    for reserved in (bytes_reserved or conf.get("BYTES_RESERVED"), None):
        writer = _writer(pdf)
        existing = stamps.find_signature_field(writer.prev, field_name)
        if existing is not None and existing.signed:
            raise exceptions.SignatureFieldError(field=field_name)
        new_field = fields.SigFieldSpec(field_name, on_page=page, box=field_box) if existing is None else None
        pdf_signer = TimedPdfSigner(meta, signer=signer, timestamper=timestamper, stamp_style=stamp_style,
                                    new_field_spec=new_field, signing_time=signing_time)
        try:
            out = pdf_signer.sign_pdf(writer, bytes_reserved=reserved, appearance_text_params=text_params or {})
            break
        except TimestampRequestError as exc:
            raise exceptions.TimestampUnavailable() from exc
        except PyHankoSigningError as exc:
            if reserved is not None and "larger than expected" in str(exc):
                logger.info("signature container larger than %s bytes: signing again with an estimate", reserved)
                continue  # a long chain: let pyHanko measure the container (None = dry run)
            logger.warning("pyHanko refused to sign: %s", exc)
            raise exceptions.SigningError() from exc
    data = out.getvalue()
    return SignedDocument(pdf=data, sha256=revisions.sha256(data), field_name=field_name,
                          signed_at=signing_time, level="B-LT" if lt else ("B-T" if timestamper else "B-B"))


# --- policy: who may sign what, when --------------------------------------------------------------
def _certificate(record: SigningCertificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(bytes(record.certificate_der))


def _context(record: SigningCertificate, trust_list: str | None) -> tuple[str, ValidationContext]:
    name = trust.trust_list_name(trust_list or record.trust_list)
    return name, trust.validation_context(trust_list=name, other_certs=keys.chain_of(record))


def _lt_context(vc: ValidationContext) -> ValidationContext | None:
    return vc if conf.get("EMBED_VALIDATION_INFO") and vc.crls else None


def _vi(message) -> str:
    with translation.override("vi"):
        return str(message)


def _person_fingerprints() -> set[str]:
    return set(SigningCertificate.objects.filter(kind=HolderKind.PERSON).values_list("fingerprint", flat=True))


def require_personal_signature(pdf: bytes, *, approved_end: int, validation_context: ValidationContext):
    """The first signature after the approved version must be a registered person's, and valid
    (which includes: nothing but signatures was added after it). Returns its embedded signature."""
    result = verify.verify_pdf(pdf, validation_context=validation_context)
    people = _person_fingerprints()
    for sig, es in zip(result.signatures, result.embedded, strict=True):
        if sig["signer"] is None:
            continue
        signed_end = int(es.byte_range[2]) + int(es.byte_range[3])
        if signed_end <= approved_end:
            continue  # a signature inside the approved version: not this step's
        if pdf.count(b"%%EOF", approved_end, signed_end) != 1:
            raise exceptions.DocumentChanged()  # an unsigned revision sits between approval and signature
        if sig["signer"]["fingerprint_sha256"] in people and sig["valid"]:
            return es
        break
    raise exceptions.PersonalSignatureMissing()


@dataclass(frozen=True)
class SigningPlan:
    """Everything decided before a key is used: the checks passed, where the signature goes and
    what it looks like. Server-side signing and the two-step flow share it."""

    purpose: str
    field_name: str
    page: int
    box: Box | None
    stamp_style: BaseStampStyle
    text_params: dict
    reason: str
    location: str
    signing_time: datetime
    validation_context: ValidationContext
    trust_list: str


def plan_signature(*, purpose: str, pdf: bytes, certificate: SigningCertificate, approved_sha256: str,
                   image: bytes | None = None, seal_width_mm: float | None = None, notation: str = "",
                   field_name: str = "", page: int = 0, box: Box | None = None, location: str = "",
                   trust_list: str | None = None) -> SigningPlan:
    """Check that ``certificate`` may sign ``pdf`` for ``purpose`` now, and lay the signature out.

    - person: the file is exactly the approved one; the blue signature image goes into the empty
      field between title and name (``Signature_Person``, or ``box`` on ``page`` for other files);
    - organisation: the approved version is followed by a valid signature of a registered person
      and nothing else; the red seal at real size overlaps the left third of that signature;
    - attachment: the file is exactly the approved one; no image, the number and symbol
      (``notation``) and the ISO 8601 signing time at the top right of the first page.
    """
    name, vc = _context(certificate, trust_list)
    signing_time = now_vn()
    text_params: dict = {}
    style: BaseStampStyle
    if purpose == SignaturePurpose.PERSON:
        revisions.require_unchanged(pdf, approved_sha256=approved_sha256)
        _check(certificate, vc, name)
        field_name = field_name or PERSON_FIELD
        place = stamps.find_signature_field(_reader(pdf), field_name)
        if place is None and box is None:
            raise exceptions.SignatureFieldError(field=field_name)
        image = image or _stored_image(certificate) or images.demo_signature_png(certificate.holder_name)
        style, reason = stamps.image_style(image), _vi(_("Signed by the competent person"))
    elif purpose == SignaturePurpose.ORGANISATION:
        approved_end = revisions.approved_prefix_end(pdf, approved_sha256=approved_sha256)
        _check(certificate, vc, name)
        personal = require_personal_signature(pdf, approved_end=approved_end, validation_context=vc)
        person_place = stamps.find_signature_field(_reader(pdf), personal.field_name)
        if person_place is None:
            raise exceptions.SignatureFieldError(field=personal.field_name)
        field_name = field_name or ORGANISATION_FIELD
        width = seal_width_mm or certificate.stamp_width_mm or conf.get("SEAL_WIDTH_MM")
        page, box = person_place.page, stamps.seal_box(person_place.box, seal_width_mm=width)
        image = image or _stored_image(certificate) or images.demo_seal_png(
            certificate.organisation or certificate.holder_name)
        style, reason = stamps.image_style(image), _vi(_("Issued by the organisation"))
    elif purpose == SignaturePurpose.ATTACHMENT:
        revisions.require_unchanged(pdf, approved_sha256=approved_sha256)
        _check(certificate, vc, name)
        field_name = field_name or ATTACHMENT_FIELD
        page, box = 0, stamps.attachment_box(_reader(pdf))
        text_params = {"notation": notation, "signed_at": signing_time.isoformat()}
        style, reason = stamps.attachment_style(), _vi(_("Issued by the organisation"))
    else:
        raise ValueError(f"unknown purpose {purpose!r}")
    return SigningPlan(purpose=purpose, field_name=field_name, page=page, box=box, stamp_style=style,
                       text_params=text_params, reason=reason, location=location, signing_time=signing_time,
                       validation_context=vc, trust_list=name)


def _stored_image(record: SigningCertificate) -> bytes | None:
    return bytes(record.stamp_image) if record.stamp_image else None


def _check(record: SigningCertificate, vc: ValidationContext, trust_list: str) -> None:
    checks.check_certificate(_certificate(record), validation_context=vc, intermediates=keys.chain_of(record),
                             trust_list=trust_list)


def execute_plan(plan: SigningPlan, *, pdf: bytes, signer: signers.Signer,
                 timestamper: TimeStamper | None = None) -> SignedDocument:
    return sign_pdf(pdf, signer=signer, field_name=plan.field_name, page=plan.page, box=plan.box,
                    timestamper=timestamper or configured_timestamper(), stamp_style=plan.stamp_style,
                    text_params=plan.text_params, reason=plan.reason, location=plan.location,
                    signing_time=plan.signing_time, validation_context=_lt_context(plan.validation_context))


def _sign_on_server(purpose: str, *, pdf: bytes, certificate: SigningCertificate, secret: keys.Secret | None,
                    timestamper: TimeStamper | None, **plan_args) -> SignedDocument:
    """Check and lay out first, then open the key: a refused document never costs a PIN try.
    ``secret``, a PIN typed for this signature, is forgotten once the key is open (``keys.open_signer``)."""
    plan = plan_signature(purpose=purpose, pdf=pdf, certificate=certificate, **plan_args)
    with keys.open_signer(certificate, secret=secret) as signer:
        return execute_plan(plan, pdf=pdf, signer=signer, timestamper=timestamper)


@sensitive_variables("secret")  # a PIN typed for this signature
def sign_as_person(*, pdf: bytes, certificate: SigningCertificate, approved_sha256: str,
                   signature_image: bytes | None = None, field_name: str = "", page: int = 0,
                   box: Box | None = None, location: str = "", trust_list: str | None = None,
                   secret: keys.Secret | str | None = None,
                   timestamper: TimeStamper | None = None) -> SignedDocument:
    """The competent person's signature, with a key the server can use (PKCS#12 or PKCS#11)."""
    return _sign_on_server(SignaturePurpose.PERSON, pdf=pdf, certificate=certificate,
                           secret=keys.Secret.of(secret), timestamper=timestamper, approved_sha256=approved_sha256,
                           image=signature_image, field_name=field_name, page=page, box=box, location=location,
                           trust_list=trust_list)


@sensitive_variables("secret")  # a PIN typed for this signature
def sign_as_organisation(*, pdf: bytes, certificate: SigningCertificate, approved_sha256: str,
                         seal_image: bytes | None = None, seal_width_mm: float | None = None,
                         field_name: str = "", location: str = "", trust_list: str | None = None,
                         secret: keys.Secret | str | None = None,
                         timestamper: TimeStamper | None = None) -> SignedDocument:
    """The organisation's signature (the clerk's step), after the competent person's."""
    return _sign_on_server(SignaturePurpose.ORGANISATION, pdf=pdf, certificate=certificate,
                           secret=keys.Secret.of(secret),
                           timestamper=timestamper, approved_sha256=approved_sha256, image=seal_image,
                           seal_width_mm=seal_width_mm, field_name=field_name, location=location,
                           trust_list=trust_list)


@sensitive_variables("secret")  # a PIN typed for this signature
def sign_attachment(*, pdf: bytes, certificate: SigningCertificate, approved_sha256: str, notation: str,
                    field_name: str = "", location: str = "", trust_list: str | None = None,
                    secret: keys.Secret | str | None = None,
                    timestamper: TimeStamper | None = None) -> SignedDocument:
    """The organisation's signature on an attachment in a separate file."""
    return _sign_on_server(SignaturePurpose.ATTACHMENT, pdf=pdf, certificate=certificate,
                           secret=keys.Secret.of(secret),
                           timestamper=timestamper, approved_sha256=approved_sha256, notation=notation,
                           field_name=field_name, location=location, trust_list=trust_list)
