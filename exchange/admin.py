"""Admin pages of the exchange, for superusers only: peers (a peer's key acts as that system, so
whoever manages peers could post documents as anyone it serves), and the outbox and inbox to look
into, read-only, with "retry now" for packets that failed.

A peer's key is made when it is saved without one, or on demand ("issue a new key"), and shown once
in a message; only its SHA-256 is kept. What we present to the peer may be written as ``env:NAME``.
"""

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from engine.admin import ReadOnlyAdmin

from . import outbox, peers
from .models import InboxPacket, OutboxPacket, Peer


class SuperusersOnly:
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


class PeerForm(forms.ModelForm):
    url = forms.URLField(label=_("receiving endpoint"), max_length=500, assume_scheme="https",
                         help_text=Peer._meta.get_field("url").help_text)
    organ_codes = forms.CharField(label=_("identification codes served"), required=False, widget=forms.Textarea(
        attrs={"rows": 4}), help_text=_("One code (mã định danh) per line."))

    class Meta:
        model = Peer
        fields = ("name", "url", "organ_codes", "catch_all", "outbound_credential", "active")
        widgets = {"outbound_credential": forms.PasswordInput(render_value=True)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organ_codes"].initial = "\n".join(self.instance.organ_ids or [])

    def clean_organ_codes(self):
        codes = [line.strip() for line in self.cleaned_data.get("organ_codes", "").splitlines() if line.strip()]
        too_long = [code for code in codes if len(code) > 35]
        if too_long:
            raise forms.ValidationError(_("An identification code has at most 35 characters: %(codes)s")
                                        % {"codes": ", ".join(too_long)})
        return list(dict.fromkeys(codes))

    def save(self, commit=True):
        self.instance.organ_ids = self.cleaned_data.get("organ_codes", [])
        return super().save(commit=commit)


def _show_key(request, peer: Peer, key: str) -> None:
    messages.warning(request, format_html(
        "{} <code>{}</code>",
        _("Give this key to the administrators of “%(peer)s” now: their system presents it to post packets here. "
          "It is shown only this once (only its hash is kept). Key:") % {"peer": peer.name}, key))


@admin.register(Peer)
class PeerAdmin(SuperusersOnly, admin.ModelAdmin):
    form = PeerForm
    list_display = ("name", "url", "catch_all", "active", "inbound_prefix", "created_at")
    list_filter = ("active", "catch_all")
    search_fields = ("name", "url")
    actions = ("issue_key",)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False  # deliveries and arrivals keep it; switch it off instead

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not obj.inbound_digest:
            _show_key(request, obj, peers.set_inbound_key(obj))

    @admin.action(description=_("Issue a new key for the selected peers (the old one stops working)"))
    def issue_key(self, request, queryset):
        for peer in queryset:
            _show_key(request, peer, peers.set_inbound_key(peer))
            self.log_change(request, peer, [{"changed": {"fields": ["inbound_digest"]}}])


@admin.register(OutboxPacket)
class OutboxPacketAdmin(SuperusersOnly, ReadOnlyAdmin):
    list_display = ("created_at", "kind", "status_code", "exchange_id", "peer", "state", "attempts", "next_attempt_at",
                    "answer_status")
    list_filter = ("state", "kind", "peer")
    search_fields = ("exchange_id", "last_error")
    exclude = ("packet",)
    actions = ("retry",)

    @admin.action(description=_("Retry the selected packets now"), permissions=["view"])
    def retry(self, request, queryset):
        for row in queryset:
            outbox.retry_now(row, actor=request.user)
        self.message_user(request, _("Packets queued again: %(count)d.") % {"count": queryset.count()},
                          messages.SUCCESS)


@admin.register(InboxPacket)
class InboxPacketAdmin(SuperusersOnly, ReadOnlyAdmin):
    list_display = ("received_at", "kind", "status_code", "exchange_id", "peer", "outcome")
    list_filter = ("outcome", "kind", "peer")
    search_fields = ("exchange_id", "sha256")
    exclude = ("packet",)
