"""Drafts: what a person has typed into a task's form but not yet submitted."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FormDraft(models.Model):
    """One person's unsubmitted data for one task's form (see ``forms.drafts``)."""

    task = models.ForeignKey("engine.Task", on_delete=models.CASCADE, related_name="drafts", verbose_name=_("task"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("user"))
    data = models.JSONField(_("data"), default=dict)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("form draft")
        verbose_name_plural = _("form drafts")
        constraints = [models.UniqueConstraint(fields=["task", "user"], name="draft_task_user")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.task_id}"
