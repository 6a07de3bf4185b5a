"""Admin pages to keep the directory: bodies, roles, positions with their grants and holders,
delegations (with the same rules as ``directory.delegations``), and Party members."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import delegations
from .models import Body, Delegation, Holding, Member, Position, Role, RoleGrant


class InForceFilter(admin.SimpleListFilter):
    """Holdings and delegations in force today, or not."""

    title = _("in force today")
    parameter_name = "in_force"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        current = queryset.effective(today) if queryset.model is Delegation else queryset.in_force(today)
        if self.value() == "yes":
            return current
        if self.value() == "no":
            return queryset.exclude(pk__in=current.values("pk"))
        return queryset


@admin.register(Body)
class BodyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "parent")
    list_filter = ("kind",)
    list_select_related = ("parent",)
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 1
    autocomplete_fields = ("role", "body")


class HoldingInline(admin.TabularInline):
    model = Holding
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    list_display = ("title", "body")
    list_filter = ("body__kind", "body")
    list_select_related = ("body",)
    search_fields = ("title", "body__name", "body__code")
    autocomplete_fields = ("body",)
    inlines = [RoleGrantInline, HoldingInline]


@admin.register(Holding)
class HoldingAdmin(admin.ModelAdmin):
    list_display = ("user", "position", "valid_from", "valid_to")
    list_filter = (InForceFilter, "position__body")
    list_select_related = ("user", "position__body")
    search_fields = ("user__username", "user__first_name", "user__last_name", "position__title")
    autocomplete_fields = ("user", "position")
    date_hierarchy = "valid_from"


class DelegationForm(forms.ModelForm):
    class Meta:
        model = Delegation
        fields = ("kind", "position", "roles", "delegator", "delegate", "scope", "document", "valid_from", "valid_to")

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        position, roles = cleaned.get("position"), cleaned.get("roles")
        if position is not None and roles:
            try:
                delegations.check_roles(position, roles)
            except ValidationError as err:
                self.add_error("roles", err.message_dict["roles"])
        return cleaned


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    form = DelegationForm
    list_display = ("kind", "position", "delegator", "delegate", "valid_from", "valid_to", "revoked_at")
    list_filter = ("kind", InForceFilter)
    list_select_related = ("position__body", "delegator", "delegate")
    search_fields = ("delegator__username", "delegate__username", "document", "position__title")
    autocomplete_fields = ("position", "delegator", "delegate")
    filter_horizontal = ("roles",)
    readonly_fields = ("revoked_at",)
    actions = ["revoke_now"]

    @admin.action(description=_("Revoke the selected delegations now"))
    def revoke_now(self, request, queryset):
        revoked = 0
        for delegation in queryset.filter(revoked_at__isnull=True):
            delegations.revoke(delegation)
            revoked += 1
        self.message_user(request, _("Delegations revoked: %(n)d.") % {"n": revoked}, messages.SUCCESS)


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("full_name", "cell", "status", "birth_date", "admitted_on")
    list_filter = ("status", "cell")
    list_select_related = ("cell",)
    search_fields = ("full_name",)
    autocomplete_fields = ("user",)
    ordering = ("cell__code", "full_name")
