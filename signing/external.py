"""Two-step signing for keys the server never holds: personal USB tokens on users' PCs (through a
token agent such as VGCA Sign Service) and remote signing services (BRIEF §5.2–5.3).

1. ``prepare_external_signature``: the same checks and layout as server-side signing, then the
   PDF with an empty signature container and the signed attributes are stored in a
   ``SignatureRequest``; the caller gets the SHA-256 digest to be signed (and the DER it hashes).
2. The token or service signs that digest (RSA PKCS#1 v1.5 or ECDSA, pre-hashed SHA-256).
3. ``complete_external_signature``: the signature value is checked against the prepared
   certificate and data (a wrong key or certificate is refused, the request stays open), the
   signature timestamp is added (B-T), the CMS is embedded, the revocation data is added to the
   DSS when the trust list has it (B-LT), and the signed PDF is returned and kept, so a repeated
   completion gives the same bytes.

State lives in the database, not in a process: step 3 may run in another worker, any time before
the request expires; ``expire_abandoned_requests`` closes the rest.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from django.db import IntegrityError
from django.utils import timezone
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.validation import add_validation_info
from pyhanko_certvalidator.registry import SimpleCertificateStore

from . import conf, exceptions, keys, pki, revisions, stamps
from .checks import check_certificate
from .models import RequestStatus, SignatureRequest, SigningCertificate
from .sign import SignedDocument, SigningPlan, TimedPdfSigner, plan_signature
from .trust import validation_context
from .tsa import configured_timestamper

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PreparedSignature:
    """What the token agent or remote service needs: sign ``digest`` (SHA-256, pre-hashed)."""

    request_id: uuid.UUID
    digest: bytes
    digest_algorithm: str
    data_to_sign: bytes  # the DER signed attributes whose SHA-256 is ``digest``
    signature_algorithm: str  # "rsassa_pkcs1v15" or "ecdsa"
    expires_at: datetime


def _external_signer(cert: asn1_x509.Certificate, chain: list[asn1_x509.Certificate],
                     signature_value: bytes | None) -> signers.ExternalSigner:
    size = cert.public_key.bit_size // 8 if cert.public_key.algorithm == "rsa" else 72
    return signers.ExternalSigner(signing_cert=cert, cert_registry=SimpleCertificateStore.from_certs(chain),
                                  signature_value=signature_value if signature_value is not None else size)


def _as_prepared(request: SignatureRequest) -> PreparedSignature:
    cert = asn1_x509.Certificate.load(bytes(request.certificate_der))
    return PreparedSignature(
        request_id=request.id, digest=bytes(request.digest_to_sign), digest_algorithm=request.md_algorithm,
        data_to_sign=bytes(request.signed_attributes),
        signature_algorithm="ecdsa" if cert.public_key.algorithm == "ec" else "rsassa_pkcs1v15",
        expires_at=request.expires_at,
    )


async def _digest(plan: SigningPlan, pdf: bytes, signer: signers.ExternalSigner):
    meta = signers.PdfSignatureMetadata(field_name=plan.field_name, md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES, reason=plan.reason,
                                        location=plan.location or None)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    existing = stamps.find_signature_field(writer.prev, plan.field_name)
    if existing is not None and existing.signed:
        raise exceptions.SignatureFieldError(field=plan.field_name)
    # pyHanko annotates the box as ints but writes any number (as PDF reals); ours are fractional points.
    field_box = cast("tuple[int, int, int, int] | None", plan.box)
    new_field = None if existing else fields.SigFieldSpec(plan.field_name, on_page=plan.page, box=field_box)
    pdf_signer = TimedPdfSigner(meta, signer=signer, stamp_style=plan.stamp_style, new_field_spec=new_field,
                                 signing_time=plan.signing_time)
    prepared, _tbs, output = await pdf_signer.async_digest_doc_for_signing(
        writer, bytes_reserved=conf.get("EXTERNAL_BYTES_RESERVED"), appearance_text_params=plan.text_params)
    signed_attrs = await signer.signed_attrs(
        prepared.document_digest, "sha256", attr_settings=PdfCMSSignedAttributes(signing_time=plan.signing_time),
        use_pades=True)
    # Given no output stream, pyHanko writes to a BytesIO of its own (prepare_rw_output_stream); typed as IO.
    return prepared, cast(io.BytesIO, output).getvalue(), signed_attrs


def prepare_external_signature(*, pdf: bytes, certificate: SigningCertificate, approved_sha256: str,
                               purpose: str, image: bytes | None = None, notation: str = "",
                               seal_width_mm: float | None = None, field_name: str = "", page: int = 0,
                               box: tuple[float, float, float, float] | None = None, location: str = "",
                               trust_list: str | None = None, idempotency_key: str | None = None,
                               created_by=None, ttl_seconds: int | None = None) -> PreparedSignature:
    """Step 1: check, lay out and store the document to be signed; return the digest to sign.

    The same ``idempotency_key`` returns the same request, pending or completed, instead of a
    second one (a retried job, a double click; completing it again returns the stored PDF); an
    expired one is prepared afresh. The certificate's key may be anywhere: only the certificate is
    used here.
    """
    existing = None
    if idempotency_key:
        existing = SignatureRequest.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None and (existing.status == RequestStatus.COMPLETED or (
                existing.status == RequestStatus.PENDING and existing.expires_at > timezone.now())):
            return _as_prepared(existing)  # still live
    plan = plan_signature(purpose=purpose, pdf=pdf, certificate=certificate, approved_sha256=approved_sha256,
                          image=image, notation=notation, seal_width_mm=seal_width_mm, field_name=field_name,
                          page=page, box=box, location=location, trust_list=trust_list)
    cert = asn1_x509.Certificate.load(bytes(certificate.certificate_der))
    signer = _external_signer(cert, keys.chain_of(certificate), None)
    prepared, prepared_pdf, signed_attrs = asyncio.run(_digest(plan, pdf, signer))
    der = signed_attrs.dump()
    ttl = ttl_seconds if ttl_seconds is not None else conf.get("REQUEST_TTL_SECONDS")
    fields_ = {
        "purpose": purpose, "certificate": certificate, "certificate_der": cert.dump(),
        "field_name": plan.field_name, "base_sha256": revisions.sha256(pdf), "prepared_pdf": prepared_pdf,
        "md_algorithm": "sha256", "document_digest": prepared.document_digest,
        "reserved_start": prepared.reserved_region_start, "reserved_end": prepared.reserved_region_end,
        "signed_attributes": der, "digest_to_sign": hashlib.sha256(der).digest(), "trust_list": plan.trust_list,
        "created_by": created_by, "expires_at": timezone.now() + timedelta(seconds=ttl),
    }
    if idempotency_key and existing is not None:  # an expired or failed request with this key: reuse its row
        SignatureRequest.objects.filter(pk=existing.pk).update(
            status=RequestStatus.PENDING, result_pdf=None, error="", completed_at=None, **fields_)
        return _as_prepared(SignatureRequest.objects.get(pk=existing.pk))
    try:
        request = SignatureRequest.objects.create(idempotency_key=idempotency_key or None, **fields_)
    except IntegrityError:  # the same key raced us: return the winner
        return _as_prepared(SignatureRequest.objects.get(idempotency_key=idempotency_key))
    return _as_prepared(request)


def _verify_raw_signature(cert: asn1_x509.Certificate, signature: bytes, data: bytes) -> None:
    public = serialization.load_der_public_key(cert.public_key.dump())
    try:
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            raise exceptions.ExternalSignatureMismatch()
    except (InvalidSignature, ValueError) as exc:
        raise exceptions.ExternalSignatureMismatch() from exc


def _load_open_request(request_id) -> SignatureRequest:
    try:
        request = SignatureRequest.objects.get(pk=request_id)
    except (SignatureRequest.DoesNotExist, ValueError, TypeError):
        raise exceptions.SignatureRequestNotFound() from None
    return request


def _result(request: SignatureRequest) -> SignedDocument:
    assert request.result_pdf is not None and request.completed_at is not None  # a completed request has both
    data = bytes(request.result_pdf)
    return SignedDocument(pdf=data, sha256=revisions.sha256(data), field_name=request.field_name,
                          signed_at=request.completed_at, level="B-LT" if b"/DSS" in data else "B-T")


def complete_external_signature(*, request_id, signature: bytes, certificate: pki.CertificateLike,
                                timestamper: TimeStamper | None = None) -> SignedDocument:
    """Step 3: embed the returned signature value and finish the PDF (PAdES B-T).

    Refused, with the request left open for the right answer: a certificate other than the
    prepared one, or a signature that the prepared certificate's key did not make.
    """
    request = _load_open_request(request_id)
    if request.status == RequestStatus.COMPLETED:
        return _result(request)
    if request.status != RequestStatus.PENDING:
        raise exceptions.SignatureRequestClosed(status=request.get_status_display())
    if request.expires_at <= timezone.now():
        SignatureRequest.objects.filter(pk=request.pk, status=RequestStatus.PENDING).update(
            status=RequestStatus.EXPIRED)
        raise exceptions.SignatureRequestExpired()

    prepared_cert = asn1_x509.Certificate.load(bytes(request.certificate_der))
    try:
        given = pki.load_certificate(certificate)
    except ValueError as exc:
        raise exceptions.ExternalSignatureMismatch() from exc
    if pki.fingerprint(given) != pki.fingerprint(prepared_cert):
        _note_error(request, "certificate differs from the prepared one")
        raise exceptions.ExternalSignatureMismatch()
    signed_attrs = cms.CMSAttributes.load(bytes(request.signed_attributes))
    try:
        _verify_raw_signature(prepared_cert, signature, bytes(request.signed_attributes))
    except exceptions.ExternalSignatureMismatch:
        _note_error(request, "signature value does not verify with the prepared certificate")
        raise

    chain = keys.chain_of(request.certificate) if request.certificate is not None else []  # no query without an id
    # The certificate may have expired or been revoked since step 1: check again (S15).
    vc = validation_context(trust_list=request.trust_list, other_certs=chain)
    check_certificate(prepared_cert, validation_context=vc, intermediates=chain, trust_list=request.trust_list)

    signer = _external_signer(prepared_cert, chain, signature)
    try:
        cms_obj = asyncio.run(signer.async_sign_prescribed_attributes(
            "sha256", signed_attrs=signed_attrs, timestamper=timestamper or configured_timestamper()))
    except TimestampRequestError as exc:
        raise exceptions.TimestampUnavailable() from exc
    output = io.BytesIO(bytes(request.prepared_pdf))
    PdfTBSDocument.finish_signing(output, PreparedByteRangeDigest(
        document_digest=bytes(request.document_digest), reserved_region_start=request.reserved_start,
        reserved_region_end=request.reserved_end), cms_obj)
    data, level = output.getvalue(), "B-T"
    if conf.get("EMBED_VALIDATION_INFO") and vc.crls:
        data, level = _add_validation_data(data, vc), "B-LT"
    now = timezone.now()
    updated = SignatureRequest.objects.filter(pk=request.pk, status=RequestStatus.PENDING).update(
        status=RequestStatus.COMPLETED, result_pdf=data, completed_at=now, error="")
    if not updated:  # completed concurrently: the stored result wins
        request.refresh_from_db()
        if request.status == RequestStatus.COMPLETED:
            return _result(request)
        raise exceptions.SignatureRequestClosed(status=request.get_status_display())
    return SignedDocument(pdf=data, sha256=revisions.sha256(data), field_name=request.field_name,
                          signed_at=now, level=level)


def _add_validation_data(pdf: bytes, vc) -> bytes:
    """B-LT: put the revocation data of the new (last) signature into the document's DSS, in an
    incremental update that later validation recognises as long-term validation data."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    out = add_validation_info(reader.embedded_regular_signatures[-1], vc, output=io.BytesIO())
    return out.getvalue()


def _note_error(request: SignatureRequest, message: str) -> None:
    logger.warning("signing request %s: %s", request.pk, message)
    SignatureRequest.objects.filter(pk=request.pk).update(error=message)


def expire_abandoned_requests(*, now: datetime | None = None) -> int:
    """Close pending requests past their expiry and drop their prepared PDFs; returns how many.
    Meant for a periodic job (e.g. Celery beat every few minutes)."""
    now = now or timezone.now()
    return SignatureRequest.objects.filter(status=RequestStatus.PENDING, expires_at__lte=now).update(
        status=RequestStatus.EXPIRED, prepared_pdf=b"")
