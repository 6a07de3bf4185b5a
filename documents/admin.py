"""Admin pages: document types and registers are configured here; documents, numbers and grants are
shown read-only (they change through the procedures and the API, where the rules are checked and
every change is audited)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from engine.admin import ReadOnlyAdmin
from engine.exceptions import QuytrinhError

from . import casefiles
from .models import CaseFile, ConfidentialGrant, Document, DocumentType, NumberEntry, NumberSeries, Register


@admin.register(DocumentType)
class DocumentTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "abbreviation", "system", "handling_days", "code")
    list_filter = ("system",)
    search_fields = ("name", "code", "abbreviation")


@admin.register(Register)
class RegisterAdmin(admin.ModelAdmin):
    list_display = ("name", "body", "direction", "secret", "numbering", "per_type", "term", "active")
    list_filter = ("direction", "secret", "numbering", "active")
    search_fields = ("name", "body__code", "body__name")
    autocomplete_fields = ("body",)

    def has_delete_permission(self, request, obj=None):
        return False  # a register that issued numbers is closed (active off), never deleted


@admin.register(NumberSeries)
class NumberSeriesAdmin(ReadOnlyAdmin):
    list_display = ("register", "period", "document_type", "last_number")
    list_filter = ("register",)


@admin.register(NumberEntry)
class NumberEntryAdmin(ReadOnlyAdmin):
    list_display = ("series", "number", "status", "document", "issued_at", "cancelled_at")
    list_filter = ("status", "series__register")


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    """Metadata only: the admin is no way around the confidentiality rules (files are not shown)."""

    list_display = ("code_number", "code_notation", "organ_name", "direction", "body", "arrival_number", "urgency",
                    "confidentiality", "status", "created_at")
    list_filter = ("direction", "urgency", "confidentiality", "status")
    search_fields = ("code_notation", "organ_name")
    exclude = ("subject", "search_text", "description")


@admin.register(ConfidentialGrant)
class ConfidentialGrantAdmin(ReadOnlyAdmin):
    list_display = ("document", "user", "subject", "granted_by", "granted_at", "revoked_at")


@admin.register(CaseFile)
class CaseFileAdmin(admin.ModelAdmin):
    """Case files are opened and filled here and closed by an action (on record); a closed one no
    longer changes and may be exported (``manage.py export_case_file``). None is ever deleted."""

    list_display = ("code", "year", "title", "body", "opened_by", "opened_at", "closed_at")
    list_filter = ("year", "body")
    search_fields = ("code", "title")
    raw_id_fields = ("documents",)
    readonly_fields = ("opened_by", "opened_at", "closed_at")
    actions = ("close",)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.closed_at is None)

    def save_model(self, request, obj, form, change):
        obj.opened_by = obj.opened_by or request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Close the selected case files"), permissions=["change"])
    def close(self, request, queryset):
        for case_file in queryset:
            try:
                casefiles.close(case_file, actor=request.user)
            except QuytrinhError as err:
                self.message_user(request, err.message, messages.WARNING)
