from django.contrib import admin

from . import roles
from .models import Body, Delegation, Holding, Member, Position, Role


@admin.register(Body)
class BodyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "parent")
    list_filter = ("kind",)
    search_fields = ("code", "name")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        roles.invalidate()


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


class HoldingInline(admin.TabularInline):
    model = Holding
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    list_display = ("title", "body")
    list_filter = ("body",)
    filter_horizontal = ("roles",)
    inlines = [HoldingInline]
    search_fields = ("title",)


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ("kind", "position", "delegator", "delegate", "valid_from", "valid_to", "revoked_at")
    list_filter = ("kind",)


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("full_name", "cell", "status", "birth_date", "admitted_on")
    list_filter = ("status", "cell")
    search_fields = ("full_name",)
