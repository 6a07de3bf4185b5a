"""Admin pages: document types and registers are configured here; documents, numbers and grants are
shown read-only (they change through the procedures and the API, where the rules are checked and
every change is audited)."""

from django.contrib import admin

from engine.admin import ReadOnlyAdmin

from .models import ConfidentialGrant, Document, DocumentType, NumberEntry, NumberSeries, Register


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
