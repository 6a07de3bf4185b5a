"""Typed errors of the signing app.

Every error carries a user-facing message (English source, Vietnamese through the catalog), a
stable ``code`` and the HTTP ``status`` it answers with (``engine.exceptions.QuytrinhError``), so
the API renders it without knowing it and a background job can decide whether to retry: none of
these is worth retrying, except ``TimestampUnavailable``. 409: the state does not allow it (request
closed or expired, field already signed); 404: no such request; 503: the timestamp authority did
not answer; 422 for the rest: the document or certificate cannot be signed as asked (S15).
"""

from django.utils.translation import gettext_lazy as _

from engine.exceptions import QuytrinhError


class SigningError(QuytrinhError):
    """Base class: signing or verification could not be done as asked (422: the request was
    understood, but the document or certificate cannot be signed as asked)."""

    code = "signing_error"
    status = 422
    default_message = _("The document could not be signed.")


# --- certificate checks before signing (S15) ----------------------------------------------------
class CertificateError(SigningError):
    code = "certificate_invalid"
    default_message = _("The signing certificate cannot be used.")


class CertificateExpired(CertificateError):
    code = "certificate_expired"
    default_message = _(
        "The signing certificate of %(holder)s expired on %(not_after)s; signing is blocked until it is renewed."
    )


class CertificateNotYetValid(CertificateError):
    code = "certificate_not_yet_valid"
    default_message = _("The signing certificate of %(holder)s is only valid from %(not_before)s.")


class CertificateRevoked(CertificateError):
    code = "certificate_revoked"
    default_message = _(
        "The signing certificate of %(holder)s was revoked on %(revoked_at)s; signing is blocked."
    )


class RevocationUnknown(CertificateError):
    code = "revocation_unknown"
    default_message = _(
        "The revocation status of the certificate of %(holder)s cannot be checked (no current CRL); "
        "signing is blocked."
    )


class CertificateUntrusted(CertificateError):
    code = "certificate_untrusted"
    default_message = _(
        "The certificate of %(holder)s does not chain to a trusted root of the trust list '%(trust_list)s'."
    )


class CertificateNotForSigning(CertificateError):
    code = "certificate_not_for_signing"
    default_message = _("The certificate of %(holder)s is not allowed to sign documents (key usage).")


# --- document state -----------------------------------------------------------------------------
class DocumentChanged(SigningError):
    code = "document_changed"
    default_message = _("The document changed after it was approved; it cannot be signed.")


class PersonalSignatureMissing(SigningError):
    code = "personal_signature_missing"
    default_message = _(
        "The organisation can only sign a document that already carries a valid signature of the "
        "competent person."
    )


class InvalidDocument(SigningError):
    code = "invalid_document"
    default_message = _("The file is not a readable PDF document.")


class SignatureFieldError(SigningError):
    code = "signature_field"
    status = 409
    default_message = _("The signature field '%(field)s' is missing or already signed.")


# --- keys, tokens, timestamps -------------------------------------------------------------------
class KeyUnavailable(SigningError):
    code = "key_unavailable"
    default_message = _("The signing key of %(holder)s cannot be used: %(reason)s")


class WrongSecret(KeyUnavailable):
    code = "wrong_pin"
    default_message = _("The PIN of the signing key of %(holder)s is not right (or its key file is damaged); "
                        "nothing was signed.")


class KeyLocked(KeyUnavailable):
    """Too many wrong PINs by this user on this key (``signing.pins``): temporary, hence 429 with
    ``Retry-After`` (the seconds left, set per error)."""

    code = "key_locked"
    status = 429
    default_message = _("Too many wrong PINs for the signing key of %(holder)s: it is locked for you for "
                        "%(minutes)s minutes; nothing was signed.")

    def __init__(self, message=None, *, retry_after: int, **details):
        self.retry_after = max(1, int(retry_after))
        super().__init__(message, minutes=-(-self.retry_after // 60), **details)


class ExternalKeyOnly(KeyUnavailable):
    code = "external_key_only"
    default_message = _(
        "The key of %(holder)s is not held by the server; use two-step signing with the token or "
        "remote signing service."
    )


class TimestampUnavailable(SigningError):
    code = "timestamp_unavailable"
    status = 503
    retry_after = 30
    default_message = _("The timestamp authority did not answer; try again later.")


# --- two-step signing ---------------------------------------------------------------------------
class SignatureRequestError(SigningError):
    code = "signature_request"
    default_message = _("This signing request cannot be completed.")


class SignatureRequestNotFound(SignatureRequestError):
    code = "signature_request_not_found"
    status = 404
    default_message = _("There is no such signing request.")


class SignatureRequestExpired(SignatureRequestError):
    code = "signature_request_expired"
    status = 409
    default_message = _("The signing request expired; prepare the document for signing again.")


class SignatureRequestClosed(SignatureRequestError):
    code = "signature_request_closed"
    status = 409
    default_message = _("The signing request is already %(status)s.")


class ExternalSignatureMismatch(SignatureRequestError):
    code = "external_signature_mismatch"
    default_message = _(
        "The returned signature does not match the prepared document and certificate; it was refused."
    )
