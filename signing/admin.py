"""Admin pages for the signing app.

Trust anchors, CRLs and certificates are added by uploading the certificate or CRL itself (parsed by
``signing.trust`` / ``signing.certificates``, so the stored facts always match the file). Key
material is never shown: a certificate record names where its key lives and the environment
variable holding its password or PIN, never the value. Requests, reports and files are read-only:
they change only through signing and verification.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from engine.admin import ReadOnlyAdmin

from . import certificates, pki, trust
from .models import (
    DocumentFile,
    RevocationList,
    SignatureRequest,
    SigningCertificate,
    TrustAnchor,
    TrustList,
    VerificationReport,
)


def _read(upload) -> bytes:
    return upload.read() if upload is not None else b""


class TrustAnchorInline(admin.TabularInline):
    model = TrustAnchor
    fields = ("subject", "fingerprint", "is_root", "added_at")
    readonly_fields = fields
    extra = 0
    can_delete = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(TrustList)
class TrustListAdmin(admin.ModelAdmin):
    list_display = ("name", "description", "created_at")
    search_fields = ("name",)
    inlines = [TrustAnchorInline]


class TrustAnchorForm(forms.ModelForm):
    certificate = forms.FileField(label=_("certificate file (PEM or DER)"))

    class Meta:
        model = TrustAnchor
        fields = ("trust_list", "is_root")

    def clean(self):
        super().clean()
        data = self.cleaned_data
        try:
            self.parsed = pki.load_certificate(_read(data.get("certificate")))
        except ValueError:
            raise forms.ValidationError(_("The file does not hold a certificate.")) from None
        return data

    def save(self, commit=True):  # the admin's save_form: store now, parsed from the file
        return trust.add_anchor(trust_list=self.cleaned_data["trust_list"].name, certificate=self.parsed,
                                is_root=self.cleaned_data["is_root"])

    def save_m2m(self):
        pass


@admin.register(TrustAnchor)
class TrustAnchorAdmin(admin.ModelAdmin):
    list_display = ("subject", "trust_list", "is_root", "fingerprint", "added_at")
    list_filter = ("trust_list", "is_root")
    search_fields = ("subject", "fingerprint")
    readonly_fields = ("subject", "fingerprint", "added_at")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = TrustAnchorForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        return ("trust_list", "certificate", "is_root") if obj is None else (
            "trust_list", "subject", "fingerprint", "is_root", "added_at")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("trust_list", "subject", "fingerprint", "added_at")

    def save_model(self, request, obj, form, change):
        if change:  # an addition was stored by the form (parsed from the uploaded file)
            super().save_model(request, obj, form, change)


class RevocationListForm(forms.ModelForm):
    crl = forms.FileField(label=_("CRL file (PEM or DER)"))
    # A CA publishes its CRL at a full address; one typed without a scheme is taken as https.
    source_url = forms.URLField(label=_("source URL"), max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = RevocationList
        fields = ("source_url",)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        try:
            self.parsed = pki.load_crl(_read(data.get("crl")))
        except ValueError:
            raise forms.ValidationError(_("The file does not hold a CRL.")) from None
        return data

    def save(self, commit=True):  # the admin's save_form: store now, parsed from the file
        return trust.add_crl(crl=self.parsed, source_url=self.cleaned_data.get("source_url") or "")

    def save_m2m(self):
        pass


@admin.register(RevocationList)
class RevocationListAdmin(admin.ModelAdmin):
    list_display = ("issuer", "this_update", "next_update", "fetched_at")
    search_fields = ("issuer", "fingerprint")
    date_hierarchy = "this_update"

    def has_change_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = RevocationListForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        return ("crl", "source_url") if obj is None else (
            "issuer", "fingerprint", "this_update", "next_update", "source_url", "fetched_at")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.get_fields(request, obj)

    def save_model(self, request, obj, form, change):
        pass  # stored by the form, parsed from the uploaded file


class CertificateForm(forms.ModelForm):
    """Adding: the certificate file and its chain; the facts are read from the certificate."""

    certificate = forms.FileField(label=_("certificate file (PEM or DER)"))
    chain = forms.FileField(label=_("issuer chain (PEM)"), required=False)

    class Meta:
        model = SigningCertificate
        fields = ("kind", "user", "body", "trust_list", "key_storage", "pkcs12_path", "pkcs11_module",
                  "pkcs11_token_label", "pkcs11_key_label", "secret_ref", "stamp_width_mm", "active")

    def clean(self):
        super().clean()
        data = self.cleaned_data
        try:
            self.parsed = pki.load_certificate(_read(data.get("certificate")))
            chain_file = data.get("chain")
            self.parsed_chain = pki.load_certificates(_read(chain_file)) if chain_file else []
        except ValueError:
            raise forms.ValidationError(_("The file does not hold a certificate.")) from None
        return data

    def save(self, commit=True):  # the admin's save_form: store now, parsed from the file
        data = self.cleaned_data
        location = certificates.KeyLocation(
            pkcs12_path=data.get("pkcs12_path") or "", pkcs11_module=data.get("pkcs11_module") or "",
            pkcs11_token_label=data.get("pkcs11_token_label") or "",
            pkcs11_key_label=data.get("pkcs11_key_label") or "", secret_ref=data.get("secret_ref") or "")
        record = certificates.register_certificate(
            certificate=self.parsed, kind=data["kind"], key_storage=data["key_storage"], chain=self.parsed_chain,
            trust_list=data["trust_list"].name if data.get("trust_list") else None, body=data.get("body") or "",
            user=data.get("user"), stamp_width_mm=data.get("stamp_width_mm"), **location)
        if record.active != data.get("active", True):
            record.active = data.get("active", True)
            record.save(update_fields=["active"])
        return record

    def save_m2m(self):
        pass


@admin.register(SigningCertificate)
class SigningCertificateAdmin(admin.ModelAdmin):
    list_display = ("holder_name", "kind", "organisation", "body", "user", "not_after", "key_storage", "active")
    list_filter = ("kind", "key_storage", "active", "trust_list")
    search_fields = ("holder_name", "organisation", "serial_number", "fingerprint", "body")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    FACTS = ("holder_name", "organisation", "subject", "issuer", "serial_number", "fingerprint", "not_before",
             "not_after", "created_at")
    EDITABLE = ("kind", "user", "body", "trust_list", "key_storage", "pkcs12_path", "pkcs11_module",
                "pkcs11_token_label", "pkcs11_key_label", "secret_ref", "stamp_width_mm", "active")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = CertificateForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("certificate", "chain", *CertificateForm.Meta.fields)
        return (*self.FACTS, *self.EDITABLE)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.FACTS

    def save_model(self, request, obj, form, change):
        if change:  # an addition was stored by the form (parsed from the uploaded file)
            super().save_model(request, obj, form, change)


@admin.register(SignatureRequest)
class SignatureRequestAdmin(ReadOnlyAdmin):
    list_display = ("id", "purpose", "status", "certificate", "created_by", "created_at", "expires_at")
    list_filter = ("status", "purpose")
    search_fields = ("id", "idempotency_key", "base_sha256")
    list_select_related = ("certificate", "created_by")
    fields = ("id", "purpose", "status", "certificate", "file", "field_name", "base_sha256", "trust_list",
              "idempotency_key", "error", "created_by", "created_at", "expires_at", "completed_at")
    readonly_fields = fields


@admin.register(VerificationReport)
class VerificationReportAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "verdict", "signature_count", "trust_list", "created_by", "instance", "created_at")
    list_filter = ("verdict", "trust_list")
    search_fields = ("file_name", "document_sha256")
    fields = ("file_name", "document_sha256", "verdict", "signature_count", "trust_list", "summary", "report",
              "file", "instance", "created_by", "created_at")
    readonly_fields = fields


@admin.register(DocumentFile)
class DocumentFileAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "kind", "size", "sha256", "certificate", "instance", "created_at")
    list_filter = ("kind",)
    search_fields = ("file_name", "sha256", "id")
    fields = ("id", "kind", "file_name", "sha256", "size", "parent", "certificate", "instance", "idempotency_key",
              "created_by", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("pdf")
