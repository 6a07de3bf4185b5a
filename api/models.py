"""API tokens: revocable, expiring, and stored as hashes (a leaked database does not leak tokens)."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engine import rows

PREFIX_LENGTH = 10


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for, e.g. an integration."))
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH, db_index=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} · {self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, user, *, name: str, lifetime: timedelta | None) -> tuple["ApiToken", str]:
        """A new token; the key is returned once and only its hash is kept."""
        key = secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name[:100], prefix=key[:PREFIX_LENGTH], digest=_digest(key),
                                   expires_at=timezone.now() + lifetime if lifetime else None)
        return token, key

    @classmethod
    def find(cls, key: str) -> "ApiToken | None":
        """The live token with this key, if any (constant-time comparison of the hash), with its
        user. Every API request asks: one plain read of both, cheaper than building the ORM join."""
        digest = _digest(key)
        now = timezone.now()
        for token in rows.fetch_with(cls, "user", "prefix = %s AND revoked_at IS NULL", [key[:PREFIX_LENGTH]]):
            if hmac.compare_digest(token.digest, digest) and (token.expires_at is None or token.expires_at > now):
                return token
        return None

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])
