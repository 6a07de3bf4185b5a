"""Draft versions and reviews, read-only and for superusers only: a draft's fields and comments can
hold a confidential document's content, which ``documents.access`` guards everywhere else."""

from django.contrib import admin

from engine.admin import ReadOnlyAdmin
from exchange.admin import SuperusersOnly

from .models import DraftVersion, Review


class ReviewInline(SuperusersOnly, admin.TabularInline):
    model = Review
    fields = ("step", "round", "decision", "comment", "reviewer", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DraftVersion)
class DraftVersionAdmin(SuperusersOnly, ReadOnlyAdmin):
    list_display = ("document", "number", "source", "created_by", "created_at")
    list_select_related = ("document", "created_by")
    search_fields = ("document__id",)
    readonly_fields = ("document", "number", "source", "fields", "changes", "file", "sha256", "note", "created_by",
                       "created_at")
    inlines = [ReviewInline]
