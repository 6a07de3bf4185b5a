"""The document office over HTTP: documents (list with filters and search, detail, files, links,
grants) and registers (their numbers). Who sees what is ``documents.access``; a document the caller
may not see answers 404, content they may see but not open answers 403, both on record."""

import uuid
from datetime import date

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from documents import access, blobs, grants, reports, search
from documents.models import ConfidentialGrant, Document, HandlingStatus, NumberEntry, Register, full_number
from exchange import recalls
from outgoing import recall as recalling

from ..pagination import CountedInPagePagination, Pagination
from ..serializers.documents import (
    DocumentDetailSerializer,
    DocumentLinkSerializer,
    DocumentSerializer,
    GrantRequestSerializer,
    GrantSerializer,
    NumberEntrySerializer,
    RecallRequestSerializer,
    RecordFileSerializer,
    RegisterSerializer,
)

REPORT_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}
FILTERS = [
    OpenApiParameter("register", int), OpenApiParameter("direction", str, enum=["incoming", "outgoing"]),
    OpenApiParameter("body", str), OpenApiParameter("type", str, description=_("Document type code")),
    OpenApiParameter("urgency", str), OpenApiParameter("status", str), OpenApiParameter("confidentiality", str),
    OpenApiParameter("since", OpenApiTypes.DATE), OpenApiParameter("until", OpenApiTypes.DATE),
    OpenApiParameter("overdue", bool),
    OpenApiParameter("search", str, description=_("Words of the subject, number, notation or issuer")),
]


def _date(value: str, name: str):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise exceptions.ValidationError({name: [_("A date (YYYY-MM-DD).")]}) from None


def render(documents, user, *, many: bool):
    """Serialize with the subject each document may show the caller and whether its content is open."""
    rows = list(documents) if many else [documents]
    grants = access.live_grants(user, rows)
    context = {"subjects": {d.pk: access.subject_for(user, d, grants=grants) for d in rows},
               "content_open": {d.pk: access.may_read_content(user, d, grants=grants) for d in rows}}
    return DocumentSerializer(documents, many=many, context=context).data


def render_detail(document: Document, user) -> dict:
    """A document's page: as listed, with its recall and its links (the other document's number only
    for someone who may see it)."""
    links = [("out", link.kind, link.target) for link in document.links_out.select_related("target")]
    links += [("in", link.kind, link.source) for link in document.links_in.select_related("source")]
    seen = set(access.visible_documents(user).filter(pk__in=[other.pk for _way, _kind, other in links])
               .values_list("pk", flat=True))
    context = {"subjects": {document.pk: access.subject_for(user, document)},
               "content_open": {document.pk: access.may_read_content(user, document)},
               "recalled": recalls.recall_of([document]),
               "links": {document.pk: [{"kind": kind, "direction": way, "document": other.pk,
                                        "number": full_number(other.code_number, other.code_notation)
                                        if other.pk in seen else ""} for way, kind, other in links]}}
    return DocumentDetailSerializer(document, context=context).data


class DocumentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = DocumentSerializer
    queryset = Document.objects.none()  # for the schema; get_queryset scopes to the caller

    @property
    def paginator(self):
        """A search finds and sorts all its matches anyway, so it counts them in the same pass; a plain
        list reads its page from the listing index and counts apart (a window would read every row)."""
        if not hasattr(self, "_paginator"):
            counted = bool(self.request.query_params.get("search"))
            self._paginator = CountedInPagePagination() if counted else Pagination()
        return self._paginator

    @staticmethod
    def page_rows(pks):
        """A search page's rows, once the search has chosen them (``CountedInPagePagination``)."""
        return Document.objects.select_related("document_type").filter(pk__in=pks)

    def get_queryset(self):
        user, params = self.request.user, self.request.query_params
        # A search matches only documents whose subject the caller may see: searchable_documents is
        # visible_documents narrowed so, one scope (joining both checked visibility twice per row).
        scope = access.searchable_documents(user) if params.get("search") else access.visible_documents(user)
        queryset = scope.select_related("document_type").order_by("-created_at", "id")
        if params.get("search"):
            queryset = search.matching(queryset, params["search"])
        for name, field in (("direction", "direction"), ("body", "body"), ("urgency", "urgency"),
                            ("status", "status"), ("confidentiality", "confidentiality"),
                            ("type", "document_type__code")):
            if params.get(name):
                queryset = queryset.filter(**{field: params[name]})
        if params.get("register"):
            if not params["register"].isdigit():
                raise exceptions.ValidationError({"register": [_("A whole number.")]})
            queryset = queryset.filter(register_id=int(params["register"]))
        if params.get("since"):
            queryset = queryset.filter(created_at__date__gte=_date(params["since"], "since"))
        if params.get("until"):
            queryset = queryset.filter(created_at__date__lte=_date(params["until"], "until"))
        if params.get("overdue") in ("true", "1"):
            queryset = queryset.filter(due_date__lt=timezone.localdate()).exclude(
                status__in=[HandlingStatus.DONE, HandlingStatus.RETURNED])
        return queryset

    @extend_schema(parameters=FILTERS)
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(render(page, request.user, many=True))

    def _visible(self, pk) -> Document:
        return get_object_or_404(access.visible_documents(self.request.user), pk=pk)

    def _open(self, pk, what: str) -> Document:
        document = self._visible(pk)
        if not access.may_read_content(self.request.user, document):
            raise exceptions.PermissionDenied(access.refusal_message(document))
        access.note_open(self.request.user, document, what=what)
        return document

    @extend_schema(responses={200: DocumentDetailSerializer})
    def retrieve(self, request, pk=None):
        return Response(render_detail(self._visible(pk), request.user))

    @extend_schema(request=RecallRequestSerializer, responses={200: DocumentDetailSerializer})
    @action(detail=True, methods=["post"])
    def recall(self, request, pk=None):
        """Recall (thu hồi) an issued outgoing document: frozen here, its copies taken back everywhere
        (``outgoing.recall``). For the office of its body only."""
        document = self._visible(pk)
        if not access.may_recall(request.user, document):
            raise exceptions.PermissionDenied(_("Only the office of the issuing body recalls its documents."))
        body = RecallRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        document = recalling.recall(document, reason=body.validated_data["reason"], actor=request.user)
        return Response(render_detail(document, request.user))

    @extend_schema(responses={200: RecordFileSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def files(self, request, pk=None):
        document = self._open(pk, "files")
        return Response(RecordFileSerializer(document.files.select_related("blob"), many=True).data)

    @extend_schema(parameters=[OpenApiParameter("file", OpenApiTypes.UUID, required=True)],
                   responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def content(self, request, pk=None):
        document = self._open(pk, "content")
        try:
            file_id = uuid.UUID(request.query_params.get("file", ""))
        except ValueError:
            raise exceptions.ValidationError({"file": [_("A file id.")]}) from None
        row = get_object_or_404(document.files.select_related("blob"), pk=file_id)
        response = HttpResponse(blobs.read(row.blob), content_type=row.blob.content_type)
        response["Content-Disposition"] = f'attachment; filename="{row.pk}"'
        return response

    @extend_schema(responses={200: DocumentLinkSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def links(self, request, pk=None):
        document = self._visible(pk)
        return Response(DocumentLinkSerializer([*document.links_out.all(), *document.links_in.all()], many=True).data)

    @extend_schema(request=GrantRequestSerializer, responses={200: GrantSerializer(many=True), 201: GrantSerializer})
    @action(detail=True, methods=["get", "post"])
    def grants(self, request, pk=None):
        document = self._visible(pk)
        if not access.may_grant(request.user, document):
            raise exceptions.PermissionDenied(_("Only the competent person grants access to a confidential document."))
        if request.method == "GET":
            return Response(GrantSerializer(document.grants.select_related("user", "granted_by"), many=True).data)
        body = GrantRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = grants.grant(document, username=body.validated_data["username"],
                           subject=body.validated_data["subject"], actor=request.user)
        return Response(GrantSerializer(row).data, status=201)


class GrantViewSet(viewsets.GenericViewSet):
    """A grant on a confidential document, revoked by the competent person."""

    serializer_class = GrantSerializer
    queryset = ConfidentialGrant.objects.none()

    def get_queryset(self):
        visible = access.visible_documents(self.request.user)
        return ConfidentialGrant.objects.filter(document__in=visible.values("pk")).select_related("document", "user")

    @extend_schema(request=None, responses={200: GrantSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        row = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(GrantSerializer(grants.revoke(row, actor=request.user)).data)


class RegisterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The registers of the bodies whose office the caller keeps, supervises or answers for."""

    serializer_class = RegisterSerializer
    queryset = Register.objects.none()

    def get_queryset(self):
        return access.visible_registers(self.request.user)

    @extend_schema(parameters=[
        OpenApiParameter("kind", str, enum=["book", "follow_up"],
                         description=_("The register book or the follow-up report")),
        OpenApiParameter("since", OpenApiTypes.DATE, required=True),
        OpenApiParameter("until", OpenApiTypes.DATE, required=True),
        OpenApiParameter("output", str, enum=["xlsx", "pdf"])],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="report", url_name="report")
    def report(self, request, pk=None):
        """The register book (Appendix IV) or the follow-up report of incoming documents for a
        period, as XLSX or PDF, with only the rows the caller may see (``documents.access``)."""
        register, params = self.get_object(), request.query_params
        kind, form = params.get("kind", "book"), params.get("output", "xlsx")
        if kind not in ("book", "follow_up") or form not in ("xlsx", "pdf"):
            raise exceptions.ValidationError({"kind" if kind not in ("book", "follow_up") else "output": [
                _("Unknown value.")]})
        since, until = _date(params.get("since", ""), "since"), _date(params.get("until", ""), "until")
        build = reports.follow_up if kind == "follow_up" else reports.register_book
        report = build(request.user, register, since, until)
        content = reports.to_pdf(report) if form == "pdf" else reports.to_xlsx(report)
        response = HttpResponse(content, content_type=REPORT_TYPES[form])
        response["Content-Disposition"] = f'attachment; filename="{report.filename(form)}"'
        return response

    @extend_schema(responses={200: NumberEntrySerializer(many=True)})
    @action(detail=True, methods=["get"])
    def entries(self, request, pk=None):
        register = self.get_object()
        entries = NumberEntry.objects.filter(series__register=register).select_related(
            "series__document_type").order_by("-issued_at", "-id")
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(NumberEntrySerializer(page, many=True).data)

