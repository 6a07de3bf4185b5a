"""The Vĩnh An demo's signing keys: a generated PKI with 11 certificates (6 people, 5 bodies of the
demo directory), their PKCS#12 files under ``var/signing/``, the trust list with its CRLs, and an
in-process timestamp authority. **For demos only**: the CA is made up and its keys sit next to
the application; production uses the Ban Cơ yếu CA, tokens or an HSM, and a real TSA.

``seed`` is idempotent: it builds the PKI once (files present → reused), registers the
certificates again (by fingerprint, so nothing is duplicated), and issues fresh CRLs from the
stored CA keys when the stored ones are due, so signing keeps working on an old demo database.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from django.contrib.auth import get_user_model
from django.utils import timezone

from directory import demo as directory_demo

from . import certificates, conf, pki, trust
from .models import HolderKind, KeyStorage, RevocationList, SigningCertificate
from .testing import pki as test_pki

#: The environment variable holding the demo PKCS#12 password (SigningCertificate.secret_ref).
SECRET_ENV = "QUYTRINH_SIGNING_DEMO_PASSWORD"
DEFAULT_PASSWORD = "quytrinh-demo"

#: People who sign for their body: usernames of ``directory.demo.STAFF``.
SIGNERS = ("bithu", "phobithu", "chutich", "phochutich", "chutichmttq", "bithuchibo1")
#: Bodies that seal documents: codes of ``directory.demo.BODIES``.
SEALS = (directory_demo.PARTY, directory_demo.STATE, directory_demo.FRONT, "uy_ban_kiem_tra", "chi_bo_01")
CA_FILES = ("root", "intermediate", "tsa")
KEY_PREFIX = "demo-"


def password() -> str:
    return os.environ.get(SECRET_ENV, DEFAULT_PASSWORD)


def _holders() -> tuple[tuple[test_pki.Holder, ...], tuple[test_pki.Holder, ...], dict[str, str]]:
    body_names = {code: name for code, name, _kind, _parent in directory_demo.BODIES}
    staff = {username: (name, body, title) for username, name, body, title, _grants in directory_demo.STAFF}
    people, body_of = [], {}
    for username in SIGNERS:
        name, body, title = staff[username]
        people.append(test_pki.Holder(username, name, body_names[body], title=title))
        body_of[username] = body
    seals = [test_pki.Holder(code, body_names[code], body_names[code], kind="organisation") for code in SEALS]
    return tuple(people), tuple(seals), body_of


def _write(directory: Path, label: str, issued: test_pki.Issued, chain: list, secret: bytes) -> None:
    path = directory / f"{label}.p12"
    path.write_bytes(issued.pkcs12(password=secret, chain=chain))
    path.chmod(0o600)


def _build(directory: Path, secret: bytes) -> None:
    people, seals, _ = _holders()
    built = test_pki.build_pki(people=people, organisations=seals, key_prefix=KEY_PREFIX)
    directory.mkdir(parents=True, exist_ok=True)
    _write(directory, "root", built.root, [], secret)
    _write(directory, "intermediate", built.intermediate, [built.root], secret)
    _write(directory, "tsa", built.tsa, [built.intermediate, built.root], secret)
    for label, issued in {**built.people, **built.organisations}.items():
        _write(directory, label, issued, [built.intermediate], secret)


def _load(directory: Path, label: str, secret: bytes) -> tuple[test_pki.Issued, list]:
    key, cert, chain = pkcs12.load_key_and_certificates((directory / f"{label}.p12").read_bytes(), secret)
    # _build wrote every file with the test PKI's key and certificate.
    assert cert is not None and isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
    return test_pki.Issued(label=label, cert=cert, key=key), list(chain)


def _labels() -> list[str]:
    return [*CA_FILES, *SIGNERS, *SEALS]


def _renew_crls(ca: list[test_pki.Issued], *, now: dt.datetime) -> int:
    """Fresh CRLs (nothing revoked) from the demo CAs when the stored ones are missing or due."""
    issued = 0
    for authority in ca:
        issuer = pki.load_certificate(authority.cert).subject.human_friendly[:500]
        if RevocationList.objects.filter(issuer=issuer, next_update__gt=now + dt.timedelta(days=1)).exists():
            continue
        crl = test_pki._crl(authority, revoked=[], now=now, number=int(now.timestamp()))
        trust.add_crl(crl=crl, source_url=f"{test_pki.CRL_BASE_URL}/{authority.label}.crl")
        issued += 1
    return issued


def seed(*, directory: Path) -> dict[str, int]:
    """Bring the demo's signing setup to its declared state; returns what was created."""
    secret = password().encode()
    created = {"pki": 0, "certificates": 0, "crls": 0}
    if not all((directory / f"{label}.p12").exists() for label in _labels()):
        _build(directory, secret)
        created["pki"] = 1
    root, _ = _load(directory, "root", secret)
    intermediate, _ = _load(directory, "intermediate", secret)
    trust_list = conf.get("DEFAULT_TRUST_LIST")
    trust.add_anchor(trust_list=trust_list, certificate=root.cert, is_root=True)
    trust.add_anchor(trust_list=trust_list, certificate=intermediate.cert, is_root=False)
    created["crls"] = _renew_crls([root, intermediate], now=timezone.now().replace(microsecond=0))

    _people, _seals, body_of = _holders()
    users = {u.username: u for u in get_user_model().objects.filter(username__in=SIGNERS)}
    before = SigningCertificate.objects.count()
    for label in (*SIGNERS, *SEALS):
        issued, chain = _load(directory, label, secret)
        person = label in SIGNERS
        certificates.register_certificate(
            certificate=issued.cert, chain=chain, key_storage=KeyStorage.PKCS12,
            kind=HolderKind.PERSON if person else HolderKind.ORGANISATION,
            body=body_of[label] if person else label, user=users.get(label) if person else None,
            pkcs12_path=str(directory / f"{label}.p12"), secret_ref=SECRET_ENV)
    created["certificates"] = SigningCertificate.objects.count() - before
    return created
