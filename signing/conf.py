"""Signing settings: ``settings.SIGNING`` over these defaults, read on every access so that
``override_settings`` works in tests."""

from django.conf import settings

DEFAULTS = {
    # Trust list used when a caller names none (verification of incoming PDFs, pre-sign checks).
    "DEFAULT_TRUST_LIST": "default",
    # certvalidator revocation policy. "require": every certificate below the root needs a CRL or
    # OCSP answer, whether or not it declares where to find one; "hard-fail" only checks
    # certificates that declare a CRL/OCSP location. Never "soft-fail" (it accepts missing data).
    "REVOCATION_MODE": "require",
    # Fetch CRLs/OCSP/certificates from URLs found in certificates. Off: we use stored CRLs only,
    # and no URL inside an incoming (untrusted) file is ever followed.
    "ALLOW_FETCHING": False,
    # RFC 3161 timestamp authority: a URL (production), or a PKCS#12 with a TSA certificate for an
    # in-process authority (tests, demo). TSA_SECRET_REF names the environment variable with
    # the PKCS#12 password.
    "TSA_URL": "",
    "TSA_PKCS12": "",
    "TSA_SECRET_REF": "",
    "TSA_TIMEOUT": 10,
    # Add revocation data to the document (PAdES B-LT) when the validation context has it.
    "EMBED_VALIDATION_INFO": True,
    # Bytes reserved for the CMS container (hex-encoded, so twice its DER size). A fixed size
    # saves pyHanko a dry-run signature (about 2x faster); a container that does not fit is
    # signed again with pyHanko's own estimate. A B-T container with a 3-certificate chain plus
    # the TSA's chain measured 7.6 KB DER (B-LT revocation data goes to the DSS, not in it).
    # Not more than needed: verification parses the hex string byte by byte (~0.45 ms per KB).
    "BYTES_RESERVED": 20480,
    # Two-step signing cannot sign again when the container does not fit (the signature came
    # from the token), so it reserves more.
    "EXTERNAL_BYTES_RESERVED": 32768,
    # Default PKCS#11 module (SoftHSM2 in tests; the vendor's library in production).
    "PKCS11_MODULE": "/usr/lib/softhsm/libsofthsm2.so",
    # Seconds a two-step signing request waits for the signature before it expires.
    "REQUEST_TTL_SECONDS": 900,
    # Real size of the organisation's seal when its certificate record does not say (mm).
    "SEAL_WIDTH_MM": 36.0,
    # Certificates expiring within this many days are announced every day (signing/notices.py) to
    # their holder's account, the holders of these roles in the certificate's body (who keep the
    # seal and the keys) and the superusers.
    "EXPIRY_NOTICE_DAYS": 30,
    "EXPIRY_NOTICE_ROLES": ("van_thu",),
    # Wrong PINs typed for a server-held key (signing/pins.py): after PIN_FAILURES of them by one user
    # on one key within PIN_WINDOW_MINUTES, the key refuses that user for PIN_LOCK_MINUTES.
    "PIN_FAILURES": 5,
    "PIN_WINDOW_MINUTES": 15,
    "PIN_LOCK_MINUTES": 15,
}


def get(name: str):
    return getattr(settings, "SIGNING", {}).get(name, DEFAULTS[name])
