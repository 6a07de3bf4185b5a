"""The exchange over HTTP: the receiving endpoint other systems post edXML packets to (a second
quytrinh, a provincial LGSP), a document's deliveries as the sender's register shows them, and the
outbox for process administrators. Who sees what is ``exchange.access``.

The receiving endpoint is for peers, not people: a peer presents its key as ``Authorization: Bearer
<key>`` (``exchange.peers``; the Django admin issues it) and the request runs as no user. It takes
the packet as the request body (``application/xml``, ``text/xml`` or ``application/edxml+xml``),
answers 201 when it filed a document, 200 for a DocumentId filed before (nothing filed again) or a
status recorded, and a problem (400, every problem by its path in the packet) when it refused it,
after queueing the "02 refused" status packet back.
"""

import uuid
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import authentication, exceptions, mixins, parsers, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from exchange import access, conf, outbox, peers, receiving
from exchange.models import OutboxPacket, OutboxState, PacketKind, Peer

from ..serializers.exchange import DocumentDeliverySerializer, OutboxPacketSerializer, PacketReceiptSerializer

NOT_FOUND = {404: OpenApiResponse(OpenApiTypes.OBJECT, description="Not found, or not yours to see.")}


class PeerAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <key>``: the key a peer presents. ``request.auth`` is the peer."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid key header."))
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid key header.")) from None
        peer = peers.authenticate(key)
        if peer is None:
            raise exceptions.AuthenticationFailed(_("Unknown key, or the peer is switched off."))
        return AnonymousUser(), peer

    def authenticate_header(self, request):
        return f'{self.keyword} realm="exchange"'


class PeerAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = PeerAuthentication
    name = "peerKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "The key an exchange peer presents (issued in the Django admin)."}


class IsPeer(permissions.BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, Peer)


class PacketTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "packet_too_large"
    default_detail = gettext_lazy("The packet is larger than this system accepts.")


class PacketParser(parsers.BaseParser):
    """The request body as bytes, up to ``EXCHANGE["MAX_PACKET_BYTES"]`` (a packet carries its files,
    so it may well pass the limit of ordinary requests)."""

    media_type = "application/xml"

    def parse(self, stream, media_type=None, parser_context=None) -> Any:  # bytes, the packet as it came
        limit = conf.get("MAX_PACKET_BYTES")
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH", "") if request is not None else ""
        if declared.isdigit() and int(declared) > limit:
            raise PacketTooLarge()
        data = stream.read(limit + 1) if stream is not None else b""
        if len(data) > limit:
            raise PacketTooLarge()
        return data


class TextXmlParser(PacketParser):
    media_type = "text/xml"


class EdxmlParser(PacketParser):
    media_type = "application/edxml+xml"


class PacketView(APIView):
    """Receive one edXML packet from a peer: a document, or a status report on one we sent."""

    authentication_classes = [PeerAuthentication]
    permission_classes = [IsPeer]
    parser_classes = [PacketParser, TextXmlParser, EdxmlParser]
    throttle_scope = "messages"

    @extend_schema(
        request=dict.fromkeys(("application/xml", "text/xml", "application/edxml+xml"), OpenApiTypes.BINARY),
        parameters=[OpenApiParameter("Content-Digest", str, OpenApiParameter.HEADER, description=gettext_lazy(
            "The packet's SHA-256 as RFC 9530 writes it (sha-256=:<Base64>:); checked when given."))],
        responses={201: PacketReceiptSerializer, 200: PacketReceiptSerializer})
    def post(self, request):
        raw = request.data if isinstance(request.data, bytes) else b""
        receipt = receiving.receive(raw, peer=request.auth, content_digest=request.headers.get("Content-Digest", ""))
        answer = status.HTTP_201_CREATED if receipt.outcome == "accepted" else status.HTTP_200_OK
        return Response(PacketReceiptSerializer(receipt).data, status=answer)


class DocumentDeliveriesView(APIView):
    """How far each recipient got with a document sent through the exchange (the sender's register)."""

    @extend_schema(responses={200: DocumentDeliverySerializer(many=True), **NOT_FOUND})
    def get(self, request, id):
        document = access.visible_document(request.user, id)
        if document is None:
            raise exceptions.NotFound()
        return Response(DocumentDeliverySerializer(access.document_deliveries(document), many=True).data)


class MayManageOutbox(permissions.BasePermission):
    message = gettext_lazy("Only process administrators see the outbox.")

    def has_permission(self, request, view):
        return access.may_manage_outbox(request.user)


class OutboxViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Packets on their way out, with their attempts and last error; "retry" starts one again now."""

    serializer_class = OutboxPacketSerializer
    permission_classes = [permissions.IsAuthenticated, MayManageOutbox]
    queryset = OutboxPacket.objects.none()  # for the schema; get_queryset scopes to the caller

    def get_queryset(self):
        rows = access.outbox_packets(self.request.user)
        params = self.request.query_params
        if params.get("state") in OutboxState.values:
            rows = rows.filter(state=params["state"])
        if params.get("kind") in PacketKind.values:
            rows = rows.filter(kind=params["kind"])
        return rows

    @extend_schema(parameters=[OpenApiParameter("state", str, enum=OutboxState.values),
                               OpenApiParameter("kind", str, enum=PacketKind.values)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: OutboxPacketSerializer, **NOT_FOUND})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        try:
            packet_id = uuid.UUID(str(pk))
        except ValueError:
            raise exceptions.NotFound() from None
        row = get_object_or_404(self.get_queryset(), pk=packet_id)
        return Response(OutboxPacketSerializer(outbox.retry_now(row, actor=request.user)).data)
