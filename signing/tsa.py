"""The RFC 3161 timestamp authority that turns a PAdES B-B signature into B-T.

Production points ``SIGNING["TSA_URL"]`` at a real authority. Tests and the demo run one in
process (``LocalTimeStamper``): pyHanko's ``DummyTimeStamper`` with the TSA key parsed once,
since the stock class re-parses its RSA key for every token (~44 ms, SIGNING.md §6).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import cast

from asn1crypto import cms, core
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.exceptions import ImproperlyConfigured
from pyhanko.sign.general import as_signing_certificate, simple_cms_attribute
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import CertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from . import conf, keys, pki


class LocalTimeStamper(DummyTimeStamper):
    """An in-process RFC 3161 authority (RSA key), for tests and the demo only."""

    def __init__(self, *, tsa_cert: asn1_x509.Certificate, private_key: rsa.RSAPrivateKey,
                 chain: Sequence[asn1_x509.Certificate] = ()):
        der = private_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
        # pyHanko annotates certs_to_embed as a CertificateStore but only iterates it (list(certs_to_embed or ())).
        embedded = cast(CertificateStore, list(chain))
        super().__init__(tsa_cert=tsa_cert, tsa_key=asn1_keys.PrivateKeyInfo.load(der), certs_to_embed=embedded)
        self._private_key = private_key
        # The same for every token; built and serialized once (asn1crypto re-serializes a
        # structure built from values on every dump: a fifth of a B-T signature's time).
        self._signing_certificate = simple_cms_attribute("signing_certificate",
                                                         as_signing_certificate(tsa_cert)).dump()

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt: datetime):
        digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes([
            simple_cms_attribute("content_type", "tst_info"),
            simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
            cms.CMSAttribute.load(self._signing_certificate),
            simple_cms_attribute("message_digest", digest.finalize()),
        ])
        signature = self._private_key.sign(signed_attrs.dump(), padding.PKCS1v15(),
                                           get_pyca_cryptography_hash(md_algorithm))
        return signature, signed_attrs


@functools.lru_cache(maxsize=4)
def _local_from_pkcs12(path: str, mtime_ns: int, password: str) -> LocalTimeStamper:
    key, cert, extra = pkcs12.load_key_and_certificates(Path(path).read_bytes(), password.encode() or None)
    if cert is None or not isinstance(key, rsa.RSAPrivateKey):  # LocalTimeStamper signs with PKCS#1 v1.5
        raise ImproperlyConfigured(f"SIGNING['TSA_PKCS12'] ({path}) must hold an RSA key and its certificate.")
    return LocalTimeStamper(tsa_cert=pki.load_certificate(cert), private_key=key,
                            chain=[pki.load_certificate(c) for c in extra])


def configured_timestamper() -> TimeStamper:
    """The deployment's timestamp authority (``SIGNING["TSA_URL"]`` or ``["TSA_PKCS12"]``)."""
    url = conf.get("TSA_URL")
    if url:
        return HTTPTimeStamper(url, timeout=conf.get("TSA_TIMEOUT"))
    path = conf.get("TSA_PKCS12")
    if path:
        password = keys.read_secret(conf.get("TSA_SECRET_REF"), holder="TSA")
        return _local_from_pkcs12(path, Path(path).stat().st_mtime_ns, password)
    raise ImproperlyConfigured("Set SIGNING['TSA_URL'] (or SIGNING['TSA_PKCS12'] for an in-process TSA): "
                               "PAdES B-T signatures need a timestamp authority.")
