"""Where private keys live, and the pyHanko signer for each place.

- PKCS#12 files (development, or an organisation key kept on the server): parsed once per
  process and held in memory. pyHanko's stock ``SimpleSigner`` re-parses the key on every
  signature, which costs ~44 ms for RSA (SIGNING.md §6); ``CachedKeySigner`` does not.
- PKCS#11 tokens and HSMs (SoftHSM2 in tests): a session is opened per use, inside the process
  that signs (never shared across a fork), and closed afterwards.
- External keys (personal USB tokens on users' PCs, remote signing services): the server never
  holds them; ``signing.external`` runs the two-step flow instead.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from . import conf, exceptions, pki
from .models import KeyStorage, SigningCertificate


class CachedKeySigner(signers.SimpleSigner):
    """``SimpleSigner`` that keeps the parsed private key instead of re-parsing it per signature."""

    def __init__(self, *, private_key, signing_cert: asn1_x509.Certificate,
                 chain: Sequence[asn1_x509.Certificate] = ()):
        der = private_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
        super().__init__(signing_cert=signing_cert, signing_key=asn1_keys.PrivateKeyInfo.load(der),
                         cert_registry=SimpleCertificateStore.from_certs(list(chain)))
        self._private_key = private_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        key = self._private_key
        if mechanism == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), hash_algo)
        if mechanism == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(hash_algo))
        return super().sign_raw(data, digest_algorithm)  # PSS, EdDSA…: the stock path


class Secret:
    """A PIN or password typed for one signature. Its repr and str hide it, so no traceback, log
    line, error report or audit entry shows it; it is not pickled (a Celery argument, a cache
    value); ``open_signer`` reads it once to open the key and drops it (``forget``), and whether
    the key opened with it is what ``opened`` says afterwards (``signing.pins`` counts on it)."""

    __slots__ = ("_value", "opened")

    def __init__(self, value: str | bytes):
        self._value: str | bytes | None = value
        self.opened = False

    @classmethod
    def of(cls, value: Secret | str | bytes | None) -> Secret | None:
        return value if value is None or isinstance(value, Secret) else cls(value)

    def reveal(self) -> bytes:
        """The secret as the key libraries take it; only inside the call that opens the key."""
        if self._value is None:
            raise RuntimeError("this PIN was used already: each signature takes the PIN typed for it")
        return self._value.encode() if isinstance(self._value, str) else self._value

    def forget(self, *, opened: bool = False) -> None:
        self._value, self.opened = None, opened

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __reduce__(self):
        raise TypeError("a typed PIN is never pickled")


def read_secret(ref: str, *, holder: str) -> str:
    """The PKCS#12 password or token PIN named by ``ref`` (an environment variable)."""
    if not ref:
        return ""
    try:
        return os.environ[ref]
    except KeyError:
        raise exceptions.KeyUnavailable(holder=holder, reason=f"secret {ref} is not set") from None


def signer_from_pkcs12(data: bytes, *, password: Secret | str | bytes | None,
                       extra_chain: Sequence[asn1_x509.Certificate] = ()) -> CachedKeySigner:
    if isinstance(password, Secret):  # read here, passed on, never bound to a name
        key, cert, additional = pkcs12.load_key_and_certificates(data, password.reveal() or None)
    else:
        pw = password.encode() if isinstance(password, str) else password
        key, cert, additional = pkcs12.load_key_and_certificates(data, pw or None)
    if key is None or cert is None:
        raise ValueError("the PKCS#12 file holds no key and certificate")
    chain = [pki.load_certificate(c) for c in additional] + list(extra_chain)
    return CachedKeySigner(private_key=key, signing_cert=pki.load_certificate(cert), chain=chain)


@functools.lru_cache(maxsize=64)
def _pkcs12_signer(path: str, mtime_ns: int, password: str, chain_pem: str) -> CachedKeySigner:
    return signer_from_pkcs12(Path(path).read_bytes(), password=password,
                              extra_chain=pki.load_certificates(chain_pem) if chain_pem else [])


def chain_of(record: SigningCertificate) -> list[asn1_x509.Certificate]:
    return pki.load_certificates(record.chain_pem) if record.chain_pem else []


@contextlib.contextmanager
def open_signer(record: SigningCertificate, *, secret: Secret | str | None = None) -> Iterator[signers.Signer]:
    """The signer for a certificate record, open for the duration of the ``with`` block.

    ``secret`` overrides the stored secret reference: a PIN typed by the user for this signature,
    wrapped in a ``Secret`` (a str is wrapped here), forgotten as soon as the key is open or refused.
    """
    typed = Secret.of(secret)
    del secret
    try:
        with _open(record, typed) as signer:
            yield signer
    finally:
        if typed is not None and not typed.opened:
            typed.forget()


@contextlib.contextmanager
def _open(record: SigningCertificate, typed: Secret | None) -> Iterator[signers.Signer]:
    holder = record.holder_name
    if record.key_storage == KeyStorage.EXTERNAL:
        raise exceptions.ExternalKeyOnly(holder=holder)
    if record.key_storage == KeyStorage.PKCS12:
        path = Path(record.pkcs12_path)
        try:
            if typed is not None:  # a PIN typed for this signature: never kept, not even as a cache key
                signer = signer_from_pkcs12(path.read_bytes(), password=typed, extra_chain=chain_of(record))
            else:
                signer = _pkcs12_signer(str(path), path.stat().st_mtime_ns,
                                        read_secret(record.secret_ref, holder=holder), record.chain_pem)
        except ValueError as exc:
            if typed is not None:
                raise exceptions.WrongSecret(holder=holder) from exc
            raise exceptions.KeyUnavailable(holder=holder, reason=str(exc)) from exc
        except OSError as exc:
            raise exceptions.KeyUnavailable(holder=holder, reason=str(exc)) from exc
        if pki.fingerprint(signer.signing_cert) != record.fingerprint:
            raise exceptions.KeyUnavailable(holder=holder, reason="the PKCS#12 file holds another certificate")
        if typed is not None:
            typed.forget(opened=True)
        yield signer
        return
    if record.key_storage == KeyStorage.PKCS11:
        pin = typed if typed is not None else Secret(read_secret(record.secret_ref, holder=holder))
        with _pkcs11_signer(record, pin=pin, typed=typed is not None) as token_signer:
            yield token_signer
        return
    raise exceptions.KeyUnavailable(holder=holder, reason=f"unknown key storage {record.key_storage}")


@contextlib.contextmanager
def _pkcs11_signer(record: SigningCertificate, *, pin: Secret, typed: bool) -> Iterator[signers.Signer]:
    # python-pkcs11 loads a native library: only where a token is used.
    from pkcs11 import PKCS11Error
    from pkcs11.exceptions import PinIncorrect, PinInvalid, PinLenRange
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign import pkcs11 as p11

    module = record.pkcs11_module or conf.get("PKCS11_MODULE")
    cert = asn1_x509.Certificate.load(bytes(record.certificate_der))
    try:
        session = p11.open_pkcs11_session(module, token_criteria=TokenCriteria(label=record.pkcs11_token_label),
                                          user_pin=pin.reveal().decode() or None)
    except (PKCS11Error, OSError, RuntimeError, ValueError) as exc:
        pin.forget()
        wrong = isinstance(exc, (PinIncorrect, PinInvalid, PinLenRange))
        error = (exceptions.WrongSecret(holder=record.holder_name) if wrong and typed
                 else exceptions.KeyUnavailable(holder=record.holder_name, reason=f"token: {exc!r}"))
        if typed:  # the library's frames hold the PIN as a str: no error report may walk into them
            raise error from None
        raise error from exc
    pin.forget(opened=True)
    try:
        # SoftHSM2 and many tokens have raw ECDSA only: let pyHanko hash (SIGNING.md §4a).
        raw = cert.public_key.algorithm == "ec"
        yield p11.PKCS11Signer(session, key_label=record.pkcs11_key_label, signing_cert=cert,
                               ca_chain=chain_of(record), use_raw_mechanism=raw)
    finally:
        session.close()
