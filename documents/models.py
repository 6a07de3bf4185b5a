"""The document office: document records with the Decree 30 Appendix VI metadata, their files,
registers and the numbers issued from them, links between documents, case files, and the named
grants that open a confidential document's content.

Field names follow Appendix VI (code_number, code_notation, issued_date, organ_name, subject,
arrival_number …), with the Vietnamese term as the verbose name.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    INCOMING = "incoming", _("Incoming")
    OUTGOING = "outgoing", _("Outgoing")


class Urgency(models.TextChoices):
    """Mức độ khẩn (Appendix I III.2.b), lowest first; the engine's URGENCY setting gives their SLAs."""

    THUONG = "thuong", _("Ordinary")
    KHAN = "khan", _("Urgent (Khẩn)")
    THUONG_KHAN = "thuong_khan", _("Very urgent (Thượng khẩn)")
    HOA_TOC = "hoa_toc", _("Flash (Hỏa tốc)")


URGENCY_RANK: dict[str, int] = {Urgency.THUONG.value: 0, Urgency.KHAN.value: 1, Urgency.THUONG_KHAN.value: 2,
                                Urgency.HOA_TOC.value: 3}


class Confidentiality(models.TextChoices):
    """Độ mật (Law on State Secrets): above NONE, content is deny-by-default (``documents.access``)."""

    NONE = "", _("Not confidential")
    MAT = "mat", _("Confidential (Mật)")
    TOI_MAT = "toi_mat", _("Secret (Tối mật)")
    TUYET_MAT = "tuyet_mat", _("Top secret (Tuyệt mật)")


def full_number(code_number: str, code_notation: str) -> str:
    """The number as printed: Party style "132-CV/TU" (the notation has a slash), State style
    "15/QĐ-UBND" (the notation has a hyphen); either part alone when the other is missing."""
    if not (code_number and code_notation):
        return code_number or code_notation
    return f"{code_number}-{code_notation}" if "/" in code_notation else f"{code_number}/{code_notation}"



class DocumentType(models.Model):
    """A kind of document (Quyết định, Quy định, Công văn …). Stored on each document, never guessed
    from the notation: a Quyết định and a Quy định both read "QĐ"."""

    class System(models.TextChoices):
        PARTY = "party", _("Party")
        STATE = "state", _("State")
        BOTH = "both", _("Party and State")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    abbreviation = models.CharField(_("abbreviation"), max_length=10,
                                    help_text=_("As in the notation, e.g. QĐ, KH, CV."))
    system = models.CharField(_("system"), max_length=10, choices=System.choices, default=System.BOTH)
    handling_days = models.PositiveSmallIntegerField(
        _("handling time (working days)"), default=5,
        help_text=_("The default deadline for handling an incoming document of this type."))

    class Meta:
        verbose_name = _("document type")
        verbose_name_plural = _("document types")
        ordering = ["name", "system"]

    def __str__(self) -> str:
        return f"{self.name} ({self.abbreviation})"


class Register(models.Model):
    """A register (sổ đăng ký) of one body: incoming or outgoing, open or secret. Numbers run per
    calendar year (State, Decree 30 Art. 15) or per committee term (Party, HD 36 §1.3.1), in one
    series or one per document type, in the register's own series or another's (``numbers_from``)."""

    class Numbering(models.TextChoices):
        YEAR = "year", _("From 01 each calendar year")
        TERM = "term", _("From 01 each committee term")

    body = models.ForeignKey("directory.Body", on_delete=models.PROTECT, related_name="registers",
                             verbose_name=_("body"))
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    secret = models.BooleanField(_("secret register"), default=False,
                                 help_text=_("Documents marked Mật or above, with their own series."))
    name = models.CharField(_("name"), max_length=200)
    numbering = models.CharField(_("numbering"), max_length=10, choices=Numbering.choices, default=Numbering.YEAR)
    per_type = models.BooleanField(_("a series per document type"), default=False)
    term = models.CharField(_("current committee term"), max_length=20, blank=True,
                            help_text=_("For term numbering, e.g. 2025-2030; a new term starts a new series."))
    numbers_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("numbers from"),
        help_text=_("Take numbers from another register's series: Party secret documents continue the series of "
                    "the open ones of their type (HD 36 §1.3.1), State secret documents have their own."))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("register")
        verbose_name_plural = _("registers")
        ordering = ["body__code", "direction", "secret"]
        constraints = [models.UniqueConstraint(fields=["body", "direction", "secret"], condition=Q(active=True),
                                               name="register_one_active_per_kind")]

    def __str__(self) -> str:
        return self.name


class NumberSeries(models.Model):
    """The counter of one series: a register, a period (a year or a term), and a document type when
    the register numbers each type apart. Its row is locked while a number is issued."""

    register = models.ForeignKey(Register, on_delete=models.PROTECT, related_name="series",
                                 verbose_name=_("register"))
    period = models.CharField(_("period"), max_length=20, help_text=_("A year (2026) or a term (2025-2030)."))
    document_type = models.ForeignKey(DocumentType, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("document type"))
    last_number = models.PositiveIntegerField(_("last number issued"), default=0)

    class Meta:
        verbose_name = _("number series")
        verbose_name_plural = _("number series")
        constraints = [
            models.UniqueConstraint(fields=["register", "period", "document_type"], name="series_unique"),
            models.UniqueConstraint(fields=["register", "period"], condition=Q(document_type__isnull=True),
                                    name="series_unique_untyped"),
        ]

    def __str__(self) -> str:
        return f"{self.register} {self.period}: {self.last_number}"


class EntryStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    CANCELLED = "cancelled", _("Cancelled")


class NumberEntry(models.Model):
    """Every number a series issued, accounted for: given to a document, or cancelled with the
    process that asked for it. A number is never issued twice, never taken back for reuse."""

    series = models.ForeignKey(NumberSeries, on_delete=models.PROTECT, related_name="entries",
                               verbose_name=_("series"))
    number = models.PositiveIntegerField(_("number"))
    status = models.CharField(_("status"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.ISSUED)
    document = models.ForeignKey("Document", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="number_entries", verbose_name=_("document"))
    instance = models.ForeignKey("engine.ProcessInstance", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("process instance"))
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("issued by"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("number")
        verbose_name_plural = _("numbers")
        constraints = [models.UniqueConstraint(fields=["series", "number"], name="entry_series_number")]
        ordering = ["series", "number"]

    def __str__(self) -> str:
        return f"{self.number:02d} ({self.get_status_display()})"


class HandlingStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    REGISTERED = "registered", _("Registered")
    ASSIGNED = "assigned", _("Assigned for handling")
    IN_PROGRESS = "in_progress", _("Being handled")
    DONE = "done", _("Done")
    RETURNED = "returned", _("Returned to the sender")
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued and sent")  # not "Issued": a number entry's label, "Đã cấp" (số)
    RECALLED = "recalled", _("Recalled")


class Document(models.Model):
    """One official document, incoming or outgoing, with the Appendix VI metadata."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    body = models.CharField(_("owning body"), max_length=100, db_index=True,
                            help_text=_("The body whose register holds it (its code)."))
    register = models.ForeignKey(Register, null=True, blank=True, on_delete=models.PROTECT, related_name="documents",
                                 verbose_name=_("register"))
    code_number = models.CharField(_("number (số)"), max_length=11, blank=True)
    code_notation = models.CharField(_("notation (ký hiệu)"), max_length=30, blank=True)
    issued_date = models.DateField(_("issued date"), null=True, blank=True)
    organ_name = models.CharField(_("issuing organ"), max_length=200, blank=True)
    organ_id = models.CharField(_("issuing organ's identification code"), max_length=35, blank=True)
    document_type = models.ForeignKey(DocumentType, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("document type"))
    subject = models.CharField(_("subject (trích yếu)"), max_length=500)
    signer_competence = models.CharField(_("signing authority"), max_length=100, blank=True,
                                         help_text=_("e.g. T/M BAN THƯỜNG VỤ, KT. CHỦ TỊCH"))
    signer_position = models.CharField(_("signer's position"), max_length=100, blank=True)
    signer_name = models.CharField(_("signer"), max_length=50, blank=True)
    recipients = models.JSONField(_("recipients"), default=list, blank=True,
                                  help_text=_("[{organ_id, organ_name}] the document is addressed to."))
    urgency = models.CharField(_("urgency"), max_length=12, choices=Urgency.choices, default=Urgency.THUONG)
    confidentiality = models.CharField(_("confidentiality"), max_length=10, choices=Confidentiality.choices,
                                       default=Confidentiality.NONE, blank=True)
    page_amount = models.PositiveSmallIntegerField(_("pages"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=500, blank=True)
    arrival_number = models.PositiveIntegerField(_("arrival number (số đến)"), null=True, blank=True)
    arrival_date = models.DateTimeField(_("arrival date"), null=True, blank=True)
    due_date = models.DateField(_("handling deadline"), null=True, blank=True)
    lead_unit = models.CharField(_("lead unit"), max_length=100, blank=True,
                                 help_text=_("The unit (body code) in charge of handling it, as the leader assigned."))
    co_units = models.JSONField(_("co-operating units"), default=list, blank=True,
                                help_text=_("The units (body codes) that co-operate in handling it."))
    status = models.CharField(_("handling status"), max_length=12, choices=HandlingStatus.choices,
                              default=HandlingStatus.RECEIVED)
    exchange_id = models.CharField(_("exchange document id"), max_length=200, null=True, blank=True, unique=True,
                                   help_text=_("The edXML DocumentId it arrived or left with."))
    #: Subject, notation and organ without diacritics, lower case: what search matches on both databases.
    search_text = models.TextField(editable=False, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["register", "arrival_number"], name="document_register_arrival"),
            models.Index(fields=["body", "direction", "created_at"], name="document_body_listing"),
            models.Index(fields=["code_notation", "code_number"], name="document_notation_number"),
        ]

    def __str__(self) -> str:
        """Number and notation, and the subject only when the document is not confidential: this
        text turns up in admin pages and logs, outside ``documents.access``."""
        number = full_number(self.code_number, self.code_notation)
        return number if self.confidentiality else f"{number} {self.subject[:60]}".strip()

    @property
    def confidential(self) -> bool:
        return bool(self.confidentiality)


class Blob(models.Model):
    """Content stored once by its SHA-256, in Django's default storage (the filesystem, or an
    S3-compatible store through django-storages when several servers share the files)."""

    sha256 = models.CharField(_("SHA-256"), max_length=64, primary_key=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100)
    storage_name = models.CharField(_("stored as"), max_length=300)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("stored content")
        verbose_name_plural = _("stored contents")

    def __str__(self) -> str:
        return f"{self.sha256[:12]} ({self.size} B)"


class FileRole(models.TextChoices):
    MAIN = "main", _("The document")
    ATTACHMENT = "attachment", _("Attachment")
    APPENDIX = "appendix", _("Appendix in a separate file")


class DocumentFile(models.Model):
    """A file of a document, version by version: a new version never replaces the bytes of an old one."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="files",
                                 verbose_name=_("document"))
    role = models.CharField(_("role"), max_length=12, choices=FileRole.choices, default=FileRole.MAIN)
    name = models.CharField(_("file name"), max_length=255)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="+", verbose_name=_("content"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))

    class Meta:
        verbose_name = _("document file")
        verbose_name_plural = _("document files")
        ordering = ["document", "role", "name", "version"]
        constraints = [models.UniqueConstraint(fields=["document", "role", "name", "version"],
                                               name="document_file_version")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class LinkKind(models.TextChoices):
    REPLIES_TO = "replies_to", _("Replies to")
    REPLACES = "replaces", _("Replaces")
    CORRECTS = "corrects", _("Corrects")


class DocumentLink(models.Model):
    """``source`` replies to, replaces or corrects ``target``."""

    source = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="links_out", verbose_name=_("document"))
    target = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="links_in",
                               verbose_name=_("linked document"))
    kind = models.CharField(_("kind"), max_length=12, choices=LinkKind.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))

    class Meta:
        verbose_name = _("document link")
        verbose_name_plural = _("document links")
        constraints = [models.UniqueConstraint(fields=["source", "target", "kind"], name="document_link_unique")]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class DocumentProcess(models.Model):
    """A process instance that handles a document (the incoming procedure, a reply's drafting …)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="processes",
                                 verbose_name=_("document"))
    instance = models.ForeignKey("engine.ProcessInstance", on_delete=models.CASCADE, related_name="documents",
                                 verbose_name=_("process instance"))
    #: The document belongs to another body than the instance (rare; set on save, neither body
    #: changes): the search reaches such documents through these links alone
    #: (``documents.access._reached_elsewhere``).
    across_bodies = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("document's process")
        verbose_name_plural = _("documents' processes")
        constraints = [models.UniqueConstraint(fields=["document", "instance"], name="document_process_unique")]
        indexes = [models.Index(fields=["instance"], condition=Q(across_bodies=True), name="document_process_across")]

    def __str__(self) -> str:
        return f"{self.document_id} ↔ {self.instance_id}"

    def save(self, *args, **kwargs):
        self.across_bodies = self.document.body != self.instance.body
        super().save(*args, **kwargs)


class CaseFile(models.Model):
    """A case file (hồ sơ công việc, Decree 30 Art. 28–31): opened by whoever handles a matter,
    closed when it ends, handed to the archive."""

    body = models.CharField(_("owning body"), max_length=100, db_index=True)
    code = models.CharField(_("file notation"), max_length=20)
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=500)
    documents = models.ManyToManyField(Document, related_name="case_files", blank=True, verbose_name=_("documents"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("opened by"))
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case file")
        verbose_name_plural = _("case files")
        constraints = [models.UniqueConstraint(fields=["body", "year", "code"], name="case_file_code")]

    def __str__(self) -> str:
        return f"{self.code}/{self.year} {self.title[:60]}"


class ConfidentialGrant(models.Model):
    """A named person allowed to open a confidential document's content, by the competent person
    (the Bí thư by default); revoked, never deleted. ``subject`` also shows a Tuyệt mật subject."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="grants",
                                 verbose_name=_("document"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="confidential_grants",
                             verbose_name=_("person"))
    subject = models.BooleanField(_("may see a top-secret subject"), default=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("granted by"))
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("revoked by"))

    class Meta:
        verbose_name = _("confidential access grant")
        verbose_name_plural = _("confidential access grants")
        constraints = [models.UniqueConstraint(fields=["document", "user"], condition=Q(revoked_at__isnull=True),
                                               name="grant_one_live_per_person")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.document_id}"
