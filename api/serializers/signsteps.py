"""Request and response bodies of a signing step signed through the API (``/tasks/{id}/sign/``)."""

import base64
import binascii

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from . import CompletedSerializer
from .signing import Base64Field, DocumentFileSerializer


class SignStepSerializer(serializers.Serializer):
    certificate = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1,
        help_text=_("One of your certificates for this step (GET /api/v1/signing/certificates/): your own for a "
                    "personal signature, your body's for the organisation's."))
    secret = serializers.CharField(
        required=False, allow_blank=False, trim_whitespace=False, max_length=256, write_only=True,
        style={"input_type": "password"},
        help_text=_("The PIN or password of the key, for this one signature; never stored or logged. Leave it "
                    "out when the server holds the key's secret."))


class PrepareStepSerializer(serializers.Serializer):
    certificate = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1,
        help_text=_("One of your certificates for this step whose key is on your token or signing service."))


class CompleteStepSerializer(serializers.Serializer):
    request = serializers.UUIDField(help_text=_("The signing request that prepare answered."))
    signature = Base64Field(help_text=_("The signature value from the token, base64."))
    certificate = serializers.CharField(
        required=False, allow_blank=True,
        help_text=_("The signer's certificate: PEM, or DER in base64; by default the prepared one."))

    def validate_certificate(self, value: str) -> bytes | None:
        if not value:
            return None
        if "-----BEGIN" in value:
            return value.encode("ascii", "replace")
        try:
            return base64.b64decode(value.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise serializers.ValidationError(_("Not valid base64.")) from None


class SignatureResultSerializer(serializers.Serializer):
    """The object the process data keeps as ``person_signature`` / ``organisation_signature``."""

    ok = serializers.BooleanField()
    file_id = serializers.UUIDField(help_text=_("The signed version; the process data's file_id now names it."))
    sha256 = serializers.CharField()
    kind = serializers.CharField()
    parent_id = serializers.UUIDField(allow_null=True, help_text=_("The version that was signed."))
    certificate_id = serializers.IntegerField(allow_null=True)
    signed_at = serializers.CharField(help_text=_("ISO 8601, Vietnam time."))
    level = serializers.CharField(help_text=_("PAdES level: B-T, or B-LT with revocation data."))


class SignedTaskSerializer(CompletedSerializer):
    """The completion's answer (as ``complete`` gives it), the signed file and the signature."""

    file = DocumentFileSerializer(read_only=True, help_text=_("The signed version."))
    signature = SignatureResultSerializer(read_only=True)

    class Meta(CompletedSerializer.Meta):
        fields = [*CompletedSerializer.Meta.fields, "file", "signature"]

    def to_representation(self, task) -> dict:
        return {**super().to_representation(task), "file": DocumentFileSerializer(task.signed_file).data,
                "signature": task.signature}
