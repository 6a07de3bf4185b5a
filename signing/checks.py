"""Certificate checks before signing (S15): validity period, chain to a trusted root, revocation.

Run before any signature is made, by the server or by a token agent in the two-step flow, so a
document never carries a signature that verification would reject; the caller keeps the
document waiting ("Chờ ký") and shows the error's Vietnamese message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from asn1crypto import x509 as asn1_x509
from django.utils import timezone
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    InvalidCertificateError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
)

from . import exceptions, pki

KEY_USAGE = {"non_repudiation", "digital_signature"}


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


def check_validity_period(cert: asn1_x509.Certificate, *, at: datetime | None = None) -> None:
    at = at or timezone.now()
    not_before, not_after = pki.validity(cert)
    holder = pki.holder_name(cert)
    if at > not_after:
        raise exceptions.CertificateExpired(holder=holder, not_after=_local(not_after))
    if at < not_before:
        raise exceptions.CertificateNotYetValid(holder=holder, not_before=_local(not_before))


def check_certificate(cert: asn1_x509.Certificate, *, validation_context: ValidationContext,
                      intermediates: Sequence[asn1_x509.Certificate] = (), trust_list: str = "",
                      at: datetime | None = None) -> None:
    """Raise a ``CertificateError`` unless ``cert`` may sign now. Returns nothing on success."""
    check_validity_period(cert, at=at)
    holder = pki.holder_name(cert)
    validator = CertificateValidator(cert, intermediate_certs=list(intermediates),
                                     validation_context=validation_context)
    try:
        asyncio.run(validator.async_validate_usage(key_usage=KEY_USAGE))
    except RevokedError as exc:
        revoked_at = getattr(exc, "revocation_dt", None) or getattr(exc, "date", None)
        raise exceptions.CertificateRevoked(
            holder=holder, revoked_at=_local(revoked_at) if revoked_at else "?") from exc
    except InsufficientRevinfoError as exc:
        raise exceptions.RevocationUnknown(holder=holder) from exc
    except ExpiredError as exc:  # an issuer in the path expired
        raise exceptions.CertificateUntrusted(holder=holder, trust_list=trust_list) from exc
    except NotYetValidError as exc:
        raise exceptions.CertificateUntrusted(holder=holder, trust_list=trust_list) from exc
    except (PathBuildingError, PathValidationError) as exc:
        raise exceptions.CertificateUntrusted(holder=holder, trust_list=trust_list) from exc
    except InvalidCertificateError as exc:  # key usage
        raise exceptions.CertificateNotForSigning(holder=holder) from exc
