"""Registering signing certificates and finding the one to use.

A record is built from the certificate itself (holder, issuer, serial, validity, fingerprint), so
what the database says can never disagree with what a signature will carry.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TypedDict, Unpack

from django.utils import timezone

from . import pki
from .models import HolderKind, KeyStorage, SigningCertificate, TrustList


class KeyLocation(TypedDict, total=False):
    """Where a certificate's private key lives: the fields of ``SigningCertificate`` that say so."""

    pkcs12_path: str
    pkcs11_module: str
    pkcs11_token_label: str
    pkcs11_key_label: str
    secret_ref: str


def register_certificate(*, certificate: pki.CertificateLike, kind: str, key_storage: str,
                         chain: Sequence[pki.CertificateLike] = (), trust_list: str | None = None,
                         holder_name: str = "", body: str = "", user=None, stamp_image: bytes | None = None,
                         stamp_width_mm: float | None = None,
                         **key_location: Unpack[KeyLocation]) -> SigningCertificate:
    """Create or update the record of a certificate (keyed by its fingerprint).

    ``key_location`` takes the fields of the key's place: ``pkcs12_path``, ``pkcs11_module``,
    ``pkcs11_token_label``, ``pkcs11_key_label``, ``secret_ref``.
    """
    cert = pki.load_certificate(certificate)
    if kind not in HolderKind.values or key_storage not in KeyStorage.values:
        raise ValueError(f"unknown kind {kind!r} or key storage {key_storage!r}")
    not_before, not_after = pki.validity(cert)
    fields = {
        "holder_name": holder_name or pki.holder_name(cert),
        "kind": kind,
        "organisation": pki.organisation(cert),
        "body": body,
        "user": user,
        "subject": cert.subject.human_friendly[:500],
        "issuer": cert.issuer.human_friendly[:500],
        "serial_number": pki.serial_hex(cert),
        "not_before": not_before,
        "not_after": not_after,
        "certificate_der": cert.dump(),
        "chain_pem": pki.pem_bundle([pki.load_certificate(c) for c in chain]),
        "trust_list": TrustList.objects.get(name=trust_list) if trust_list else None,
        "key_storage": key_storage,
        "stamp_image": stamp_image,
        "stamp_width_mm": stamp_width_mm,
        **key_location,
    }
    # Optional links and images are only set when given, so re-registering keeps what was there.
    for optional in ("body", "user", "stamp_image", "stamp_width_mm", "trust_list"):
        if not fields[optional]:
            del fields[optional]
    record, _ = SigningCertificate.objects.update_or_create(fingerprint=pki.fingerprint(cert), defaults=fields)
    return record


def expiring(*, within_days: int = 30):
    """Active certificates that expire within ``within_days`` (or already did): renew them (S15)."""
    return SigningCertificate.objects.filter(
        active=True, not_after__lte=timezone.now() + timedelta(days=within_days)).order_by("not_after")
