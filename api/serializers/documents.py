"""Shapes of the document office's API (``api.views.documents``). What a person may see of a
document is decided by ``documents.access`` before these render it: the view passes the subject to
show and whether the content is open to them."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from directory.models import Body
from documents.models import (
    ConfidentialGrant,
    Document,
    DocumentFile,
    DocumentLink,
    DocumentType,
    LinkKind,
    NumberEntry,
    Register,
    full_number,
)

from .rows import PageRowsSerializer


class DocumentSerializer(PageRowsSerializer):
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


class RecallSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text=_("When it was recalled."))
    by = serializers.CharField(help_text=_("Who recalled it."))
    organ = serializers.CharField(help_text=_("The issuing organ that recalled it."))
    reason = serializers.CharField()


class LinkedDocumentSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(LinkKind.choices)
    direction = serializers.ChoiceField(["out", "in"], help_text=_(
        "out: this document replies to, replaces or corrects the other; in: the other does so to this one."))
    document = serializers.UUIDField()
    number = serializers.CharField(allow_blank=True, help_text=_("Empty when the caller may not see the other."))


class DocumentDetailSerializer(DocumentSerializer):
    """A document's page: what the list shows, the recall (THU HỒI) when recalled, and its links."""

    recalled = serializers.SerializerMethodField(help_text=_("When, by whom and why it was recalled; null if not."))
    links = serializers.SerializerMethodField()

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "recalled", "links"]
        read_only_fields = fields

    @extend_schema_field(RecallSerializer(allow_null=True))
    def get_recalled(self, document) -> dict | None:
        found = self.context.get("recalled", {}).get(document.pk)
        return RecallSerializer(found).data if found is not None else None

    @extend_schema_field(LinkedDocumentSerializer(many=True))
    def get_links(self, document) -> list:
        return list(LinkedDocumentSerializer(self.context.get("links", {}).get(document.pk, []), many=True).data)


class RecallRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, help_text=_("Why the document is recalled (kept on record)."))


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
