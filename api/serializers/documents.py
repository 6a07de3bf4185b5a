"""Shapes of the document office's API (``api.views.documents``). What a person may see of a
document is decided by ``documents.access`` before these render it: the view passes the subject to
show and whether the content is open to them."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from directory.models import Body
from documents.models import (
    ConfidentialGrant,
    Document,
    DocumentFile,
    DocumentLink,
    DocumentType,
    NumberEntry,
    Register,
    full_number,
)


class DocumentSerializer(serializers.ModelSerializer):
    number = serializers.SerializerMethodField(help_text=_("Number and notation as printed, e.g. 132-CV/TU."))
    document_type: "serializers.SlugRelatedField[DocumentType]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True)
    register: "serializers.PrimaryKeyRelatedField[Register]" = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=_("None until it is registered (and for a document returned)."))
    content_open = serializers.SerializerMethodField(
        help_text=_("Whether the caller may open its files and its process data."))

    class Meta:
        model = Document
        fields = ["id", "direction", "body", "register", "number", "code_number", "code_notation", "issued_date",
                  "organ_name", "organ_id", "document_type", "subject", "signer_competence", "signer_position",
                  "signer_name", "recipients", "urgency", "confidentiality", "page_amount", "description",
                  "arrival_number", "arrival_date", "due_date", "lead_unit", "co_units", "status", "created_at",
                  "content_open"]
        read_only_fields = fields

    def get_number(self, document) -> str:
        return full_number(document.code_number, document.code_notation)

    def get_content_open(self, document) -> bool:
        return bool(self.context.get("content_open", {}).get(document.pk, False))

    def to_representation(self, document) -> dict:
        shown = super().to_representation(document)
        subjects = self.context.get("subjects", {})
        if document.pk in subjects:
            shown["subject"] = subjects[document.pk]
        return shown


class RecordFileSerializer(serializers.ModelSerializer):
    sha256 = serializers.CharField(source="blob_id", read_only=True)
    size = serializers.IntegerField(source="blob.size", read_only=True)
    content_type = serializers.CharField(source="blob.content_type", read_only=True)

    class Meta:
        model = DocumentFile
        fields = ["id", "role", "name", "version", "sha256", "size", "content_type", "created_at"]
        read_only_fields = fields


class DocumentLinkSerializer(serializers.ModelSerializer):
    class Meta:
        model = DocumentLink
        fields = ["source", "target", "kind", "created_at"]
        read_only_fields = fields


class GrantSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)
    granted_by = serializers.CharField(source="granted_by.username", read_only=True)

    class Meta:
        model = ConfidentialGrant
        fields = ["id", "user", "subject", "granted_by", "granted_at", "revoked_at"]
        read_only_fields = fields


class GrantRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, help_text=_("Who may open the content."))
    subject = serializers.BooleanField(default=True, help_text=_("Also show a top-secret subject."))


class RegisterSerializer(serializers.ModelSerializer):
    body: "serializers.SlugRelatedField[Body]" = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Register
        fields = ["id", "body", "direction", "secret", "name", "numbering", "per_type", "term", "active"]
        read_only_fields = fields


class NumberEntrySerializer(serializers.ModelSerializer):
    period = serializers.CharField(source="series.period", read_only=True)
    document_type: "serializers.SlugRelatedField[DocumentType]" = serializers.SlugRelatedField(
        source="series.document_type", slug_field="code", read_only=True)

    class Meta:
        model = NumberEntry
        fields = ["id", "period", "document_type", "number", "status", "document", "instance", "issued_at",
                  "cancelled_at", "note"]
        read_only_fields = fields
