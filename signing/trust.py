"""Trust lists, stored CRLs, and the validation context built from them.

One ``ValidationContext`` per signing or verification job (it caches revocation lookups and is
cheap to build); revocation is never soft-fail, and nothing is fetched from the network unless
the deployment allows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from pyhanko_certvalidator import ValidationContext

from . import conf, pki
from .models import RevocationList, TrustAnchor, TrustList


def trust_list_name(trust_list: str | TrustList | None) -> str:
    if isinstance(trust_list, TrustList):
        return trust_list.name
    return trust_list or conf.get("DEFAULT_TRUST_LIST")


def add_anchor(*, trust_list: str, certificate: pki.CertificateLike, is_root: bool = True,
               description: str = "") -> TrustAnchor:
    """Trust a root (or keep an intermediate for path building) in a named list; idempotent."""
    cert = pki.load_certificate(certificate)
    tl, _ = TrustList.objects.get_or_create(name=trust_list, defaults={"description": description})
    anchor, _ = TrustAnchor.objects.get_or_create(
        trust_list=tl, fingerprint=pki.fingerprint(cert),
        defaults={"subject": cert.subject.human_friendly[:500], "certificate_der": cert.dump(), "is_root": is_root},
    )
    return anchor


def add_crl(*, crl: bytes | str | asn1_crl.CertificateList, source_url: str = "") -> RevocationList:
    """Store a CRL (DER or PEM); idempotent. Its signature is checked when it is used."""
    parsed = pki.load_crl(crl)
    tbs = parsed["tbs_cert_list"]
    next_update = tbs["next_update"].native if tbs["next_update"] else None
    row, _ = RevocationList.objects.get_or_create(
        fingerprint=pki.fingerprint(parsed),
        defaults={"issuer": parsed.issuer.human_friendly[:500], "crl_der": parsed.dump(),
                  "this_update": tbs["this_update"].native, "next_update": next_update, "source_url": source_url},
    )
    return row


def anchors(trust_list: str | TrustList | None) -> tuple[list[asn1_x509.Certificate], list[asn1_x509.Certificate]]:
    """(roots, intermediates) of a trust list."""
    roots: list[asn1_x509.Certificate] = []
    others: list[asn1_x509.Certificate] = []
    rows = TrustAnchor.objects.filter(trust_list__name=trust_list_name(trust_list)).only("certificate_der", "is_root")
    for row in rows:
        (roots if row.is_root else others).append(asn1_x509.Certificate.load(bytes(row.certificate_der)))
    return roots, others


def current_crls() -> list[asn1_crl.CertificateList]:
    """The newest stored CRL of each issuer."""
    newest: dict[str, asn1_crl.CertificateList] = {}
    for row in RevocationList.objects.order_by("-this_update").only("issuer", "crl_der"):
        if row.issuer not in newest:
            newest[row.issuer] = asn1_crl.CertificateList.load(bytes(row.crl_der))
    return list(newest.values())


def validation_context(*, trust_list: str | TrustList | None = None, at: datetime | None = None,
                       other_certs: Sequence[asn1_x509.Certificate] = (),
                       crls: Sequence[asn1_crl.CertificateList] = ()) -> ValidationContext:
    """A context that trusts exactly the roots of ``trust_list`` and knows the stored CRLs.

    An empty trust list trusts nothing (never the operating system's store).
    """
    roots, intermediates = anchors(trust_list)
    return ValidationContext(
        trust_roots=roots,
        other_certs=[*intermediates, *other_certs],
        crls=[*current_crls(), *crls],
        moment=at,
        allow_fetching=bool(conf.get("ALLOW_FETCHING")),
        revocation_mode=conf.get("REVOCATION_MODE"),
    )
