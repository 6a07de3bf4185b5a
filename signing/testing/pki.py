"""A throw-away PKI for tests and the demo: no files, no network, keys cached per process.

Root -> intermediate -> people, organisations, a revoked and an expired signer and a timestamp
authority, plus a CRL from each CA (the intermediate's lists the revoked signer), and a rogue
root/intermediate/person that copy the real names with other keys. Built with plain
``cryptography`` (simpler than certomancer for one chain and one CRL, see SIGNING.md §1).

Certificates carry CRL distribution points (never fetched) and key identifiers on certificates
and CRLs, because certvalidator matches a CRL to its issuer by name plus key identifier.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeAlias

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CRL_BASE_URL = "http://crl.quytrinh.test"  # .test is reserved: nothing is ever fetched from it


@dataclass(frozen=True)
class Holder:
    """Who a certificate is issued to: a person (with a position) or an organisation."""

    label: str
    name: str
    organisation: str
    kind: str = "person"  # or "organisation"
    title: str = ""


DEFAULT_PEOPLE = (
    Holder("bi_thu", "Nguyễn Văn An", "Đảng ủy xã Vĩnh An", title="Bí thư Đảng ủy"),
    Holder("pho_bi_thu", "Trần Thị Hà", "Đảng ủy xã Vĩnh An", title="Phó Bí thư Đảng ủy"),
    Holder("chu_tich", "Trần Thị Bình", "Ủy ban nhân dân xã Vĩnh An", title="Chủ tịch UBND xã"),
    Holder("pho_chu_tich", "Hoàng Văn Giang", "Ủy ban nhân dân xã Vĩnh An", title="Phó Chủ tịch UBND xã"),
)
DEFAULT_ORGANISATIONS = (
    Holder("dang_uy", "Đảng ủy xã Vĩnh An", "Đảng ủy xã Vĩnh An", kind="organisation"),
    Holder("ubnd", "Ủy ban nhân dân xã Vĩnh An", "Ủy ban nhân dân xã Vĩnh An", kind="organisation"),
)
REVOKED = Holder("revoked", "Lê Văn Cường", "Ủy ban nhân dân xã Vĩnh An", title="Phó Chủ tịch UBND xã")
EXPIRED = Holder("expired", "Phạm Thị Dung", "Ủy ban nhân dân xã Vĩnh An", title="Phó Chủ tịch UBND xã")

ROOT_NAME = "Quytrinh TEST Root CA"
INTERMEDIATE_NAME = "Quytrinh TEST CA chuyên dùng"
CA_ORGANISATION = "Ban Cơ yếu Chính phủ (TEST)"

#: The keys ``cached_key`` makes: RSA unless asked for EC.
PrivateKey: TypeAlias = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@functools.cache
def cached_key(label: str, algorithm: str = "rsa") -> PrivateKey:
    """One private key per label per process: RSA-2048 generation dominates the PKI's cost."""
    if algorithm == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(frozen=True)
class Issued:
    """A certificate with its private key, in both cryptography and asn1crypto form."""

    label: str
    cert: x509.Certificate
    key: PrivateKey
    holder: Holder | None = None

    @functools.cached_property
    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @functools.cached_property
    def asn1_cert(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.cert_der)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())

    def pkcs12(self, *, password: bytes, chain: Sequence[Issued] = ()) -> bytes:
        """The key, certificate and chain as a PKCS#12 file (what a CA hands out for development)."""
        return pkcs12.serialize_key_and_certificates(
            name=self.label.encode(), key=self.key, cert=self.cert,
            cas=[c.cert for c in chain] or None,
            encryption_algorithm=serialization.BestAvailableEncryption(password),
        )


@dataclass(frozen=True)
class TestPKI:
    root: Issued
    intermediate: Issued
    tsa: Issued
    people: dict[str, Issued]
    organisations: dict[str, Issued]
    revoked: Issued
    expired: Issued
    rogue_root: Issued
    rogue_intermediate: Issued
    rogue_person: Issued
    root_crl: x509.CertificateRevocationList
    intermediate_crl: x509.CertificateRevocationList
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    __test__ = False  # not a pytest test class despite the name

    @property
    def chain(self) -> list[Issued]:
        """Intermediate then root: what a signature embeds next to the signer's certificate."""
        return [self.intermediate, self.root]

    @property
    def crls_der(self) -> list[bytes]:
        return [crl.public_bytes(serialization.Encoding.DER) for crl in (self.intermediate_crl, self.root_crl)]

    def crls_der_at(self, now: dt.datetime) -> list[bytes]:
        """The CRLs the CAs would publish at ``now``: what a test whose clock runs weeks ahead adds,
        since the ones made with the PKI are due again after seven days."""
        number = int(now.timestamp())
        return [crl.public_bytes(serialization.Encoding.DER) for crl in (
            _crl(self.intermediate, revoked=[(self.revoked, self.created_at)], now=now, number=number),
            _crl(self.root, revoked=[], now=now, number=number))]

    def holder(self, label: str) -> Issued:
        for group in (self.people, self.organisations):
            if label in group:
                return group[label]
        return {"revoked": self.revoked, "expired": self.expired, "rogue": self.rogue_person}[label]


def _name(common_name: str, organisation: str, title: str = "") -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
             x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64])]
    if title:
        attrs.append(x509.NameAttribute(NameOID.TITLE, title[:64]))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]))
    return x509.Name(attrs)


def _issue(*, label: str, subject: x509.Name, key: PrivateKey, issuer: Issued | None, ca: bool, not_before: dt.datetime,
           not_after: dt.datetime, crl_name: str | None, tsa: bool = False, holder: Holder | None = None,
           path_length: int | None = None) -> Issued:
    issuer_name = issuer.cert.subject if issuer else subject
    issuer_key = issuer.key if issuer else key
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(issuer_name).public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
    if ca:
        usage = {"digital_signature": True, "content_commitment": False, "key_cert_sign": True, "crl_sign": True}
    else:
        usage = {"digital_signature": True, "content_commitment": True, "key_cert_sign": False, "crl_sign": False}
    builder = builder.add_extension(
        x509.KeyUsage(key_encipherment=False, data_encipherment=False, key_agreement=False,
                      encipher_only=False, decipher_only=False, **usage), critical=True)
    if tsa:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    if crl_name:
        builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(f"{CRL_BASE_URL}/{crl_name}.crl")],
            relative_name=None, reasons=None, crl_issuer=None)]), critical=False)
    cert = builder.sign(issuer_key, hashes.SHA256())
    return Issued(label=label, cert=cert, key=key, holder=holder)


def _crl(issuer: Issued, *, revoked: list[tuple[Issued, dt.datetime]], now: dt.datetime,
         number: int = 1) -> x509.CertificateRevocationList:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.cert.subject)
        .last_update(now - dt.timedelta(hours=1))
        .next_update(now + dt.timedelta(days=7))
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
        .add_extension(x509.CRLNumber(number), critical=False)
    )
    for cert, when in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(cert.cert.serial_number).revocation_date(when)
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False).build())
    return builder.sign(issuer.key, hashes.SHA256())


def build_pki(*, people: tuple[Holder, ...] = DEFAULT_PEOPLE,
              organisations: tuple[Holder, ...] = DEFAULT_ORGANISATIONS,
              now: dt.datetime | None = None, key_prefix: str = "") -> TestPKI:
    """Build the whole PKI. Keys come from ``cached_key(key_prefix + label)``."""
    now = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    ca_from, ca_until = now - dt.timedelta(days=3 * 365), now + dt.timedelta(days=10 * 365)
    leaf_from, leaf_until = now - dt.timedelta(days=1), now + dt.timedelta(days=2 * 365)

    def key(label):
        return cached_key(key_prefix + label)

    def ca_pair(prefix: str):
        root = _issue(label=f"{prefix}root", subject=_name(ROOT_NAME, CA_ORGANISATION), key=key(f"{prefix}root"),
                      issuer=None, ca=True, not_before=ca_from, not_after=ca_until, crl_name=None)
        inter = _issue(label=f"{prefix}intermediate", subject=_name(INTERMEDIATE_NAME, CA_ORGANISATION),
                       key=key(f"{prefix}intermediate"), issuer=root, ca=True, path_length=0,
                       not_before=ca_from, not_after=ca_until, crl_name="root")
        return root, inter

    def leaf(holder: Holder, issuer: Issued, *, key_label=None, not_before=leaf_from, not_after=leaf_until):
        return _issue(label=holder.label, subject=_name(holder.name, holder.organisation, holder.title),
                      key=key(key_label or holder.label), issuer=issuer, ca=False, not_before=not_before,
                      not_after=not_after, crl_name="intermediate", holder=holder)

    root, inter = ca_pair("")
    tsa = _issue(label="tsa", subject=_name("Quytrinh TEST TSA", CA_ORGANISATION), key=key("tsa"), issuer=inter,
                 ca=False, not_before=ca_from, not_after=ca_until, crl_name="intermediate", tsa=True)
    revoked = leaf(REVOKED, inter)
    expired = leaf(EXPIRED, inter, not_before=now - dt.timedelta(days=2 * 365), not_after=now - dt.timedelta(days=1))
    rogue_root, rogue_inter = ca_pair("rogue-")
    rogue_person = leaf(people[0], rogue_inter, key_label="rogue-person")
    return TestPKI(
        root=root, intermediate=inter, tsa=tsa,
        people={h.label: leaf(h, inter) for h in people},
        organisations={h.label: leaf(h, inter) for h in organisations},
        revoked=revoked, expired=expired,
        rogue_root=rogue_root, rogue_intermediate=rogue_inter, rogue_person=rogue_person,
        root_crl=_crl(root, revoked=[], now=now),
        intermediate_crl=_crl(inter, revoked=[(revoked, now - dt.timedelta(hours=2))], now=now),
        created_at=now,
    )


@functools.lru_cache(maxsize=1)
def test_pki() -> TestPKI:
    """The default PKI, built once per process."""
    return build_pki()


# pytest reads __test__ from any object; the lru_cache wrapper's stub just doesn't declare it.
test_pki.__test__ = False  # type: ignore[attr-defined]
