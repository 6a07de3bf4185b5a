"""The signing API under ``/api/v1/signing/``: verify an uploaded PDF (S03), store a PDF to sign,
list the certificates the caller may use, and the two-step flow for keys the server never holds
(prepare → the token signs the digest → complete; ``signing.requests``). Errors are problem
details (``api.problems``); objects the caller may not see or use answer 404 (``signing.access``),
and the denial is audited there."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, parsers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from signing import access, documents, requests
from signing.models import FileKind
from signing.verify import verify_and_store

from ..serializers.signing import (
    CertificateSerializer,
    CompleteRequestSerializer,
    DocumentFileSerializer,
    PrepareSerializer,
    SignatureCompletedSerializer,
    SignatureRequestSerializer,
    UploadSerializer,
    VerificationSerializer,
    VerificationUploadSerializer,
)

NOT_FOUND = {404: OpenApiResponse(OpenApiTypes.OBJECT, description="Not found, or not yours to see.")}


def _read_upload(data) -> tuple[bytes, str]:
    upload = data["file"]
    if upload.size > documents.MAX_BYTES:
        raise exceptions.ValidationError({"file": [_("The file is larger than 20 MB.")]})
    return upload.read(), (upload.name or "")[:300]


class VerificationViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Verification reports of incoming PDFs: upload one to verify it, read a report."""

    serializer_class = VerificationSerializer
    parser_classes = [parsers.MultiPartParser]

    def get_queryset(self):
        return access.reports(self.request.user).order_by("-created_at")

    @extend_schema(request={"multipart/form-data": VerificationUploadSerializer},
                   responses={201: VerificationSerializer})
    def create(self, request):
        body = VerificationUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pdf, name = _read_upload(body.validated_data)
        # Two short writes, verification between them outside any transaction (it takes tens of ms).
        row = documents.store(pdf, kind=FileKind.INCOMING, file_name=name, created_by=request.user)
        report = verify_and_store(pdf, trust_list=body.validated_data.get("trust_list") or None, file_name=name,
                                  file=row, created_by=request.user)
        return Response(VerificationSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: VerificationSerializer, **NOT_FOUND})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)


class FileViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """PDF versions: upload the approved document to sign, read a version's facts or its bytes."""

    serializer_class = DocumentFileSerializer
    parser_classes = [parsers.MultiPartParser]

    def get_queryset(self):
        return access.files(self.request.user).defer("pdf")

    @extend_schema(request={"multipart/form-data": UploadSerializer}, responses={201: DocumentFileSerializer})
    def create(self, request):
        body = UploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pdf, name = _read_upload(body.validated_data)
        if not pdf.startswith(b"%PDF-"):
            raise exceptions.ValidationError({"file": [_("The file is not a PDF document.")]})
        row = documents.store(pdf, kind=FileKind.RENDERED, file_name=name, created_by=request.user)
        return Response(DocumentFileSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: DocumentFileSerializer, **NOT_FOUND})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY, **NOT_FOUND})
    @action(detail=True, methods=["get"])
    def content(self, request, pk=None):
        row = get_object_or_404(access.files(request.user), pk=pk)
        response = HttpResponse(row.content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{row.pk}.pdf"'
        return response


class CertificateViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The certificates the caller may sign with: their own, and their body's if they are its clerk."""

    serializer_class = CertificateSerializer

    def get_queryset(self):
        return access.usable_certificates(self.request.user).defer("certificate_der", "stamp_image").order_by("pk")


class SignatureRequestViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Two-step signing: prepare (the digest to sign), then complete with the token's signature."""

    serializer_class = SignatureRequestSerializer

    def get_queryset(self):
        return access.requests(self.request.user).defer("prepared_pdf", "result_pdf")

    @extend_schema(request=PrepareSerializer, responses={201: SignatureRequestSerializer, **NOT_FOUND})
    def create(self, request):
        body = PrepareSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        source = get_object_or_404(access.files(request.user), pk=data["file"])
        certificate = get_object_or_404(access.usable_certificates(request.user), pk=data["certificate"])
        row = requests.prepare(source=source, certificate=certificate, purpose=data["purpose"], actor=request.user,
                               approved_sha256=data.get("approved_sha256", ""), notation=data.get("notation", ""),
                               idempotency_key=data.get("idempotency_key", ""))
        return Response(SignatureRequestSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: SignatureRequestSerializer, **NOT_FOUND})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=CompleteRequestSerializer, responses={200: SignatureCompletedSerializer, **NOT_FOUND})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        row = get_object_or_404(self.get_queryset(), pk=pk)
        body = CompleteRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        stored = requests.complete(row, signature=body.validated_data["signature"],
                                   certificate=body.validated_data["certificate"], actor=request.user)
        return Response(SignatureCompletedSerializer({"request": row, "file": stored}).data)
