"""The admin page for API tokens: where administrators issue keys for service accounts (an
integration such as the province's document system, the demo's ``integration``) and revoke them.

A key is made by ``ApiToken.issue`` and shown once, in a message after saving; the database keeps
only its SHA-256 and its first characters, so nobody can show it again. Tokens are revoked with an
action and never deleted or rewritten: the row, with its last use, stays on record. Only
superusers issue tokens, since a token acts as its user, whoever that is.
"""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import ApiToken


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ("user", "name", "expires_at")
        help_texts = {"expires_at": _("Empty: the token works until it is revoked (service accounts).")}

    def clean_expires_at(self):
        expires_at = self.cleaned_data.get("expires_at")
        if expires_at is not None and expires_at <= timezone.now():
            raise forms.ValidationError(_("The expiry must lie in the future."))
        return expires_at


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ("user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "created_at")
    list_select_related = ("user",)
    search_fields = ("user__username", "name", "prefix")
    autocomplete_fields = ("user",)
    ordering = ("-created_at",)
    actions = ("revoke",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("user", "name", "expires_at")
        return ("user", "name", "prefix", "key_digest", "created_at", "expires_at", "last_used_at", "revoked_at")

    def get_readonly_fields(self, request, obj=None):
        # Once issued, only the name may change: a token never moves to another user or lives longer.
        if obj is None:
            return ()
        return ("user", "prefix", "key_digest", "created_at", "expires_at", "last_used_at", "revoked_at")

    @admin.display(description=_("SHA-256 of the key"))
    def key_digest(self, obj: ApiToken) -> str:
        return obj.digest

    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            # Only the name: the API may have revoked or used the token since the page was read.
            obj.save(update_fields=["name"])
            return
        token, key = ApiToken.issue(obj.user, name=obj.name, lifetime=None)
        if obj.expires_at is not None:
            token.expires_at = obj.expires_at
            token.save(update_fields=["expires_at"])
        # The admin goes on with ``obj`` (history entry, redirect): it becomes the issued row.
        obj.pk, obj.prefix, obj.digest, obj.created_at = token.pk, token.prefix, token.digest, token.created_at
        obj._state.adding, obj._state.db = False, token._state.db
        messages.warning(request, format_html(
            "{} <code>{}</code>",
            _("Copy the key of “%(name)s” for %(user)s now: it is shown only this once and cannot be recovered "
              "(only its hash is kept). Key:") % {"name": token.name, "user": token.user},
            key))

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            token.revoke()
            self.log_change(request, token, [{"changed": {"fields": ["revoked_at"]}}])
        self.message_user(request, _("Tokens revoked: %(count)d.") % {"count": len(tokens)}, messages.SUCCESS)
