"""Request and response bodies of the signing API (``api.views.signing``)."""

import base64
import binascii

from asn1crypto import x509
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from signing.models import DocumentFile, SignaturePurpose, SignatureRequest, SigningCertificate, VerificationReport
from signing.requests import result_file


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("The PDF document."))


class VerificationUploadSerializer(UploadSerializer):
    trust_list = serializers.SlugField(required=False, allow_blank=True, max_length=100,
                                       help_text=_("Trust list to verify against; empty means the default list."))


class VerificationSerializer(serializers.ModelSerializer):
    valid = serializers.SerializerMethodField()
    report = serializers.DictField(help_text=_("Every signature: signer, times, integrity, trust, problems."))

    class Meta:
        model = VerificationReport
        fields = ["id", "verdict", "valid", "signature_count", "summary", "report", "document_sha256", "file_name",
                  "file", "trust_list", "instance", "created_at"]
        read_only_fields = fields

    def get_valid(self, obj) -> bool:
        return obj.verdict == "valid"


class DocumentFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = DocumentFile
        fields = ["id", "kind", "file_name", "sha256", "size", "parent", "certificate", "instance", "created_at"]
        read_only_fields = fields


class CertificateSerializer(serializers.ModelSerializer):
    """The public facts of a certificate; where its key lives and its secrets are never shown."""

    class Meta:
        model = SigningCertificate
        fields = ["id", "holder_name", "kind", "organisation", "body", "subject", "issuer", "serial_number",
                  "fingerprint", "not_before", "not_after", "key_storage"]
        read_only_fields = fields


class Base64Field(serializers.CharField):
    """Bytes as standard base64 in JSON."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            return base64.b64decode(text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise serializers.ValidationError(_("Not valid base64.")) from None

    def to_representation(self, value):
        return base64.b64encode(bytes(value)).decode("ascii")


class PrepareSerializer(serializers.Serializer):
    file = serializers.UUIDField(help_text=_("The document version to sign."))
    certificate = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    purpose = serializers.ChoiceField(choices=SignaturePurpose.choices)
    approved_sha256 = serializers.RegexField(
        r"^[0-9a-f]{64}$", required=False,
        help_text=_("SHA-256 of the approved version; by default the first version of the file's chain."))
    notation = serializers.CharField(required=False, allow_blank=True, max_length=100,
                                     help_text=_("Number and symbol printed on an attachment, e.g. Số: 15/QĐ-UBND."))
    idempotency_key = serializers.CharField(required=False, max_length=100,
                                            help_text=_("The same key returns the same pending request."))


class SignatureRequestSerializer(serializers.ModelSerializer):
    digest = Base64Field(source="digest_to_sign", read_only=True,
                         help_text=_("SHA-256 digest the token signs (pre-hashed), base64."))
    data_to_sign = Base64Field(source="signed_attributes", read_only=True,
                               help_text=_("The DER signed attributes whose SHA-256 is the digest, base64."))
    digest_algorithm = serializers.CharField(source="md_algorithm", read_only=True)
    signature_algorithm = serializers.SerializerMethodField()
    result_file = serializers.SerializerMethodField()

    class Meta:
        model = SignatureRequest
        fields = ["id", "status", "purpose", "file", "certificate", "field_name", "digest", "digest_algorithm",
                  "signature_algorithm", "data_to_sign", "expires_at", "created_at", "completed_at", "error",
                  "result_file"]
        read_only_fields = fields

    def get_signature_algorithm(self, obj) -> str:
        cert = x509.Certificate.load(bytes(obj.certificate_der))
        return "ecdsa" if cert.public_key.algorithm == "ec" else "rsassa_pkcs1v15"

    def get_result_file(self, obj) -> str | None:
        row = result_file(obj)
        return str(row.pk) if row else None


class CompleteRequestSerializer(serializers.Serializer):
    signature = Base64Field(help_text=_("The signature value from the token, base64."))
    certificate = serializers.CharField(help_text=_("The signer's certificate: PEM, or DER in base64."))

    def validate_certificate(self, value: str) -> bytes:
        if "-----BEGIN" in value:
            return value.encode("ascii", "replace")
        try:
            return base64.b64decode(value.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise serializers.ValidationError(_("Not valid base64.")) from None


class SignatureCompletedSerializer(serializers.Serializer):
    request = SignatureRequestSerializer()
    file = DocumentFileSerializer()

