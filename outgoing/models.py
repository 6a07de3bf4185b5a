"""What the outgoing procedure keeps besides the document record: the draft's versions and the
review rounds made on them.

A version is never edited: a change makes the next one, with who made it and which fields changed,
so the signer's approval names exactly the bytes approved (Decree 30 Art. 11.2) and a review's
comments stay with the version they were made on.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    RENDERED = "rendered", _("Laid out from the draft's fields")
    DOCX = "docx", _("Converted from a Word file")


class DraftVersion(models.Model):
    """One version of an outgoing draft: the fields it was made from and the PDF to approve and sign."""

    document = models.ForeignKey("documents.Document", on_delete=models.CASCADE, related_name="versions",
                                 verbose_name=_("document"))
    number = models.PositiveSmallIntegerField(_("version"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    fields = models.JSONField(_("fields"), default=dict, blank=True)
    changes = models.JSONField(_("changed"), default=list, blank=True,
                               help_text=_("The fields changed since the previous version."))
    file = models.ForeignKey("signing.DocumentFile", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("PDF"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("made by"))
    created_at = models.DateTimeField(_("made at"), auto_now_add=True)

    class Meta:
        verbose_name = _("draft version")
        verbose_name_plural = _("draft versions")
        ordering = ["document", "number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="draft_version_unique")]

    def __str__(self) -> str:
        return f"v{self.number}"


class Step(models.TextChoices):
    CONTENT = "content", _("Content approval")
    FORMAT = "format", _("Format check")
    SIGNER = "signer", _("Approval for signing")


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approved")
    REJECT = "reject", _("Returned for rework")


class Review(models.Model):
    """One reviewer's decision on one version, with the comment and, for the format check, the list
    of findings the checker was shown."""

    version = models.ForeignKey(DraftVersion, on_delete=models.CASCADE, related_name="reviews",
                                verbose_name=_("version"))
    step = models.CharField(_("step"), max_length=10, choices=Step.choices)
    round = models.PositiveSmallIntegerField(_("round"))
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    comment = models.TextField(_("comment"), blank=True)
    findings = models.JSONField(_("format findings"), default=list, blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("reviewer"))
    task_id = models.UUIDField(_("task"), null=True, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.step} #{self.round}: {self.decision}"
