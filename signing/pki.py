"""Certificate and CRL helpers: parse PEM or DER, name the holder, fingerprint.

pyHanko and certvalidator work on asn1crypto objects; ``cryptography`` objects (the test PKI,
PKCS#12 files) are converted through DER. Everything here is pure and cheap.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import TypeAlias

from asn1crypto import crl as asn1_crl
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509 as crypto_x509
from cryptography.hazmat.primitives.serialization import Encoding

# asn1crypto has no stubs, so mypy needs telling that this is an alias and not a variable.
CertificateLike: TypeAlias = asn1_x509.Certificate | crypto_x509.Certificate | bytes | str


def _der_blocks(data: bytes | str, kind: str) -> list[bytes]:
    raw = data.encode() if isinstance(data, str) else bytes(data)
    if pem.detect(raw):
        return [der for name, _, der in pem.unarmor(raw, multiple=True) if kind in name]
    return [raw] if raw else []


def load_certificate(data: CertificateLike) -> asn1_x509.Certificate:
    """One certificate from an asn1crypto object, a cryptography object, DER or PEM."""
    if isinstance(data, asn1_x509.Certificate):
        return data
    if hasattr(data, "public_bytes"):  # a cryptography certificate
        return asn1_x509.Certificate.load(data.public_bytes(Encoding.DER))
    blocks = _der_blocks(data, "CERTIFICATE")
    if not blocks:
        raise ValueError("no certificate found")
    return asn1_x509.Certificate.load(blocks[0])


def load_certificates(data: bytes | str) -> list[asn1_x509.Certificate]:
    """Every certificate of a PEM bundle (or the one certificate of a DER blob)."""
    return [asn1_x509.Certificate.load(der) for der in _der_blocks(data, "CERTIFICATE")]


def load_crl(data: bytes | str | asn1_crl.CertificateList) -> asn1_crl.CertificateList:
    if isinstance(data, asn1_crl.CertificateList):
        return data
    if hasattr(data, "public_bytes"):
        return asn1_crl.CertificateList.load(data.public_bytes(Encoding.DER))
    blocks = _der_blocks(data, "CRL")
    if not blocks:
        raise ValueError("no CRL found")
    return asn1_crl.CertificateList.load(blocks[0])


def fingerprint(cert_or_der: asn1_x509.Certificate | asn1_crl.CertificateList | bytes) -> str:
    der = cert_or_der if isinstance(cert_or_der, bytes) else cert_or_der.dump()
    return hashlib.sha256(der).hexdigest()


def name_attribute(name: asn1_x509.Name, attribute: str) -> str:
    """One attribute of a distinguished name (``common_name``, ``organization_name``…) or ''."""
    value = name.native.get(attribute, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value)


def holder_name(cert: asn1_x509.Certificate) -> str:
    return name_attribute(cert.subject, "common_name") or cert.subject.human_friendly


def organisation(cert: asn1_x509.Certificate) -> str:
    return name_attribute(cert.subject, "organization_name")


def serial_hex(cert: asn1_x509.Certificate) -> str:
    return format(cert.serial_number, "X")


def validity(cert: asn1_x509.Certificate) -> tuple[datetime, datetime]:
    v = cert["tbs_certificate"]["validity"]
    return v["not_before"].native, v["not_after"].native


def pem_bundle(certs: list[asn1_x509.Certificate]) -> str:
    return "".join(pem.armor("CERTIFICATE", c.dump()).decode() for c in certs)


_SPACES = re.compile(r"\s+")


def describe(cert: asn1_x509.Certificate) -> dict:
    """A JSON-able summary of a certificate for reports and the API."""
    not_before, not_after = validity(cert)
    return {
        "subject": _SPACES.sub(" ", cert.subject.human_friendly),
        "holder": holder_name(cert),
        "organisation": organisation(cert),
        "issuer": _SPACES.sub(" ", cert.issuer.human_friendly),
        "issuer_name": name_attribute(cert.issuer, "common_name"),
        "serial_number": serial_hex(cert),
        "fingerprint_sha256": fingerprint(cert),
        "not_before": not_before.isoformat(),
        "not_after": not_after.isoformat(),
    }
