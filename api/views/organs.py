"""The recipients an outgoing draft's ``recipients`` field may name (``exchange.recipients``, the
list the page's picker shows), for a client that offers the choice. Signed-in people only: codes
and names are no secret, but the peers configured here are nobody else's business."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets

from exchange import recipients

from ..serializers.exchange import OrganSerializer


class OrganViewSet(viewsets.GenericViewSet):
    serializer_class = OrganSerializer

    @extend_schema(parameters=[OpenApiParameter("q", str, description=_(
        "Words of the code or the name, without diacritics if you like: 'dang uy' finds Đảng ủy."))])
    def list(self, request):
        rows = recipients.known(search=request.query_params.get("q", ""))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(OrganSerializer(page, many=True).data)
