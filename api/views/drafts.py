"""An outgoing document's draft versions over HTTP: read them with their reviews, and make the next
one from changed fields or a Word file (``outgoing.drafts``). Only the drafter makes versions; an
edit after the signer's approval voids it and the procedure goes back to the signer (Art. 11.2)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, parsers, status, viewsets
from rest_framework.generics import get_object_or_404  # a malformed id is a 404 too
from rest_framework.response import Response

from documents import access
from documents.models import Direction
from outgoing import drafts

from ..serializers.drafts import DraftVersionSerializer, NewVersionSerializer

MAX_DOCX_BYTES = 20 * 1024 * 1024
DOCUMENT = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH,
                            description=gettext_lazy("The outgoing document."))


@extend_schema_view(**{action: extend_schema(parameters=[DOCUMENT]) for action in ("list", "create")})
class DraftVersionViewSet(viewsets.ViewSet):
    """``/api/v1/documents/{document}/versions/``."""

    parser_classes = [parsers.JSONParser, parsers.MultiPartParser]
    serializer_class = DraftVersionSerializer

    def _document(self, document_id):
        document = get_object_or_404(access.visible_documents(self.request.user), pk=document_id,
                                     direction=Direction.OUTGOING)
        if not access.may_read_content(self.request.user, document):
            raise exceptions.PermissionDenied(access.refusal_message())
        return document

    def _render(self, document, versions, *, many: bool):
        found = drafts.approval_in_force(document)
        context = {"approved_version_id": found.version_id if found else None}
        return DraftVersionSerializer(versions, many=many, context=context).data

    @extend_schema(responses={200: DraftVersionSerializer(many=True)})
    def list(self, request, id=None):
        document = self._document(id)
        versions = document.versions.select_related("created_by").prefetch_related("reviews__reviewer")
        return Response(self._render(document, versions.order_by("number"), many=True))

    @extend_schema(request={"application/json": NewVersionSerializer, "multipart/form-data": NewVersionSerializer},
                   responses={201: DraftVersionSerializer, 200: DraftVersionSerializer})
    def create(self, request, id=None):
        document = self._document(id)
        if document.created_by_id != request.user.pk:
            raise exceptions.PermissionDenied(_("Only the drafter changes the draft."))
        body = NewVersionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data.get("docx")
        if upload is not None and upload.size > MAX_DOCX_BYTES:
            raise exceptions.ValidationError({"docx": [_("The file is larger than 20 MB.")]})
        previous = drafts.latest(document)
        fields = {**(previous.fields if previous else {}), **(body.validated_data.get("fields") or {})}
        version = drafts.new_version(document, fields=fields, actor=request.user,
                                     docx=upload.read() if upload is not None else None,
                                     note=body.validated_data.get("note", ""))
        made = previous is None or version.pk != previous.pk  # an unchanged draft makes no version
        return Response(self._render(document, version, many=False),
                        status=status.HTTP_201_CREATED if made else status.HTTP_200_OK)
