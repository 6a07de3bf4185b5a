"""The draft versions of an outgoing document and the reviews made on them."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from outgoing.models import DraftVersion, Review


class ReviewSerializer(serializers.ModelSerializer):
    reviewer = serializers.CharField(source="reviewer.username", read_only=True, default=None)

    class Meta:
        model = Review
        fields = ["step", "round", "decision", "comment", "findings", "reviewer", "created_at"]


class DraftVersionSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    file = serializers.UUIDField(source="file_id", read_only=True,
                                 help_text=_("The PDF, under /api/v1/signing/files/{id}/content/."))
    reviews = ReviewSerializer(many=True, read_only=True)
    approved = serializers.SerializerMethodField(help_text=_("The signer's approval names this version."))

    class Meta:
        model = DraftVersion
        fields = ["number", "source", "fields", "changes", "file", "sha256", "note", "created_by", "created_at",
                  "reviews", "approved"]

    def get_approved(self, version) -> bool:
        return version.pk == self.context.get("approved_version_id")


class NewVersionSerializer(serializers.Serializer):
    # The API's word for a draft's fields; DRF's metaclass takes it as a field, not as ``Serializer.fields``.
    fields = serializers.JSONField(required=False, help_text=_("The draft's fields, as the draft form has them; "
                                                               "those left out keep their value."))  # type: ignore[assignment]
    docx = serializers.FileField(required=False, help_text=_("A Word file (.docx) whose text becomes the draft."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)

    def validate_fields(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("An object of the draft's fields."))
        return value

    def validate(self, attrs):
        if not attrs.get("fields") and not attrs.get("docx"):
            raise serializers.ValidationError({"fields": [_("Give the changed fields or a Word file.")]})
        return attrs
