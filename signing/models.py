"""What the signing app stores: trust lists and CRLs, signing certificates and where their keys
live, pending two-step signing requests, and verification reports.

Secrets never enter the database: a PKCS#12 password or a token PIN is named by ``secret_ref``
(an environment variable) and read when the key is opened.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TrustList(models.Model):
    """A named set of trust anchors, e.g. the Government Cipher Committee CA for Party and State
    bodies and the national root for public CAs: the two regimes are kept apart (BRIEF §0.1.13)."""

    name = models.SlugField(_("name"), max_length=100, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("trust list")
        verbose_name_plural = _("trust lists")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TrustAnchor(models.Model):
    """A root certificate trusted by a list, or an intermediate kept to help build paths."""

    trust_list = models.ForeignKey(TrustList, on_delete=models.CASCADE, related_name="anchors",
                                   verbose_name=_("trust list"))
    subject = models.CharField(_("certificate subject"), max_length=500)
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64)
    certificate_der = models.BinaryField(_("certificate (DER)"))
    is_root = models.BooleanField(_("trusted root"), default=True,
                                  help_text=_("Unticked: an intermediate certificate used only to build paths."))
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("trust anchor")
        verbose_name_plural = _("trust anchors")
        constraints = [models.UniqueConstraint(fields=["trust_list", "fingerprint"], name="trust_anchor_unique")]

    def __str__(self) -> str:
        return self.subject


class RevocationList(models.Model):
    """A CRL as fetched from its CA. Validation never fetches (no network): it uses these."""

    issuer = models.CharField(_("issuer"), max_length=500)
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    crl_der = models.BinaryField(_("CRL (DER)"))
    this_update = models.DateTimeField(_("issued at"))
    next_update = models.DateTimeField(_("next update"), null=True, blank=True, db_index=True)
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    fetched_at = models.DateTimeField(_("fetched at"), auto_now_add=True)

    class Meta:
        verbose_name = _("certificate revocation list")
        verbose_name_plural = _("certificate revocation lists")
        ordering = ["-this_update"]

    def __str__(self) -> str:
        return f"{self.issuer} ({self.this_update:%Y-%m-%d})"


class HolderKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


class KeyStorage(models.TextChoices):
    PKCS12 = "pkcs12", _("PKCS#12 file on the server")
    PKCS11 = "pkcs11", _("PKCS#11 token or HSM")
    EXTERNAL = "external", _("Outside the server (two-step signing)")


class SigningCertificate(models.Model):
    """A person's or an organisation's signing certificate and where its private key lives."""

    holder_name = models.CharField(_("holder"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=HolderKind.choices)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    body = models.CharField(_("body"), max_length=100, blank=True, db_index=True,
                            help_text=_("Code of the body in the directory, e.g. dang_uy_xa."))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="signing_certificates", verbose_name=_("user"))
    subject = models.CharField(_("certificate subject"), max_length=500)
    issuer = models.CharField(_("issuer"), max_length=500)
    serial_number = models.CharField(_("serial number"), max_length=80)
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"), db_index=True)
    certificate_der = models.BinaryField(_("certificate (DER)"))
    chain_pem = models.TextField(_("issuer chain (PEM)"), blank=True,
                                 help_text=_("Intermediate certificates to embed next to the signer's."))
    trust_list = models.ForeignKey(TrustList, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("trust list"),
                                   help_text=_("Checked before signing; empty means the default list."))
    key_storage = models.CharField(_("key storage"), max_length=16, choices=KeyStorage.choices)
    pkcs12_path = models.CharField(_("PKCS#12 file"), max_length=500, blank=True)
    pkcs11_module = models.CharField(_("PKCS#11 module"), max_length=500, blank=True,
                                     help_text=_("Empty means the default module of the deployment."))
    pkcs11_token_label = models.CharField(_("token label"), max_length=100, blank=True)
    pkcs11_key_label = models.CharField(_("key label"), max_length=100, blank=True)
    secret_ref = models.CharField(_("secret reference"), max_length=100, blank=True,
                                  help_text=_("Environment variable holding the PKCS#12 password or token PIN."))
    stamp_image = models.BinaryField(_("stamp image (PNG)"), null=True, blank=True,
                                     help_text=_("Blue handwritten signature or red seal, transparent PNG."))
    stamp_width_mm = models.FloatField(_("stamp width (mm)"), null=True, blank=True,
                                       help_text=_("Real size of the seal; empty means the default."))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("signing certificate")
        verbose_name_plural = _("signing certificates")
        ordering = ["kind", "holder_name"]

    def __str__(self) -> str:
        return f"{self.holder_name} ({self.serial_number})"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("waiting for the signature")
    COMPLETED = "completed", _("completed")
    EXPIRED = "expired", _("expired")
    FAILED = "failed", _("failed")


class SignaturePurpose(models.TextChoices):
    PERSON = "person", _("Signature of the competent person")
    ORGANISATION = "organisation", _("Signature of the organisation")
    ATTACHMENT = "attachment", _("Organisation signature on an attachment")


class SignatureRequest(models.Model):
    """A two-step signature in flight: the server prepared the PDF and the digest, and waits for a
    token agent or a remote signing service to return the signature value.

    Everything pyHanko needs to finish is here (the prepared PDF, the byte-range digest and
    region, the signed attributes), so completion can run in any process, any time before
    ``expires_at``. The finished PDF is kept so a repeated completion returns the same bytes.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(_("status"), max_length=16, choices=RequestStatus.choices,
                              default=RequestStatus.PENDING)
    purpose = models.CharField(_("purpose"), max_length=16, choices=SignaturePurpose.choices)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, null=True, blank=True, unique=True)
    certificate = models.ForeignKey(SigningCertificate, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="requests", verbose_name=_("certificate"))
    certificate_der = models.BinaryField(_("signer certificate (DER)"))
    file = models.ForeignKey("DocumentFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("file to sign"))
    field_name = models.CharField(_("signature field"), max_length=100)
    base_sha256 = models.CharField(_("SHA-256 of the document to sign"), max_length=64)
    prepared_pdf = models.BinaryField(_("prepared PDF"))
    md_algorithm = models.CharField(_("digest algorithm"), max_length=16, default="sha256")
    document_digest = models.BinaryField(_("byte-range digest"))
    reserved_start = models.PositiveBigIntegerField(_("signature placeholder start"))
    reserved_end = models.PositiveBigIntegerField(_("signature placeholder end"))
    signed_attributes = models.BinaryField(_("signed attributes (DER)"))
    digest_to_sign = models.BinaryField(_("digest to sign"))
    trust_list = models.CharField(_("trust list"), max_length=100, blank=True)
    result_pdf = models.BinaryField(_("signed PDF"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing request")
        verbose_name_plural = _("signing requests")
        indexes = [models.Index(fields=["status", "expires_at"], name="signing_request_due")]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.id} ({self.get_status_display()})"


class Verdict(models.TextChoices):
    VALID = "valid", _("Valid")
    INVALID = "invalid", _("Invalid")
    # A readable PDF without signatures (a scan of a paper document): not invalid, the clerk decides.
    UNSIGNED = "unsigned", _("No digital signature")


class VerificationReport(models.Model):
    """The outcome of verifying one PDF: a structured report and the Vietnamese summary shown to
    people. Kept with the document; the file itself is identified by its SHA-256."""

    document_sha256 = models.CharField(_("SHA-256 of the document"), max_length=64, db_index=True)
    file_name = models.CharField(_("file name"), max_length=300, blank=True)
    trust_list = models.CharField(_("trust list"), max_length=100)
    verdict = models.CharField(_("verdict"), max_length=16, choices=Verdict.choices)
    signature_count = models.PositiveIntegerField(_("signatures"))
    report = models.JSONField(_("report"))
    summary = models.TextField(_("summary"))
    file = models.ForeignKey("DocumentFile", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="verifications", verbose_name=_("file"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    instance = models.ForeignKey("engine.ProcessInstance", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("process instance"),
                                 help_text=_("The incoming-document process this report was used by."))
    created_at = models.DateTimeField(_("verified at"), auto_now_add=True)

    class Meta:
        verbose_name = _("verification report")
        verbose_name_plural = _("verification reports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name or self.document_sha256[:12]}: {self.get_verdict_display()}"


class FileKind(models.TextChoices):
    RENDERED = "rendered", _("Rendered for signing")
    PERSON_SIGNED = "person_signed", _("Signed by the competent person")
    ORGANISATION_SIGNED = "organisation_signed", _("Signed by the organisation")
    INCOMING = "incoming", _("Incoming document")
    ATTACHMENT = "attachment", _("Signed attachment")


class DocumentFile(models.Model):
    """One version of a PDF. Signing never changes a file: it adds a version whose ``parent`` is
    the one it was built from, so the chain approved → signed by the person → signed by the
    organisation stays on record. Process data carries only ``id`` and ``sha256``.

    ``idempotency_key`` is the background job's (or the two-step request's) key: a job run twice
    finds the version it made the first time instead of signing again.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=24, choices=FileKind.choices)
    file_name = models.CharField(_("file name"), max_length=300, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveIntegerField(_("size (bytes)"))
    pdf = models.BinaryField(_("PDF"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="versions",
                               verbose_name=_("built from"))
    certificate = models.ForeignKey(SigningCertificate, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("signed with"))
    instance = models.ForeignKey("engine.ProcessInstance", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("process instance"))
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("document file")
        verbose_name_plural = _("document files")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name or self.sha256[:12]} ({self.get_kind_display()})"

    @property
    def content(self) -> bytes:
        return bytes(self.pdf)

    def root(self) -> "DocumentFile":
        """The first version of the chain: the approved document everything was signed over."""
        node, seen = self, set()
        while node.parent_id is not None and node.pk not in seen:
            seen.add(node.pk)
            parent = node.parent
            assert parent is not None  # parent_id is set
            node = parent
        return node
