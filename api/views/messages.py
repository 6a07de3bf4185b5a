"""Messages from integrators (another body answers, a document arrives)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from engine import messaging

from ..serializers import DeliverySerializer, MessageSerializer


class CanSendMessages(permissions.BasePermission):
    message = _("Only integrations and process administrators may send messages.")

    def has_permission(self, request, view):
        return request.user.has_perm("engine.add_message") or request.user.is_superuser


class MessageView(APIView):
    permission_classes = [permissions.IsAuthenticated, CanSendMessages]
    throttle_scope = "messages"

    @extend_schema(request=MessageSerializer, responses={201: DeliverySerializer, 200: DeliverySerializer})
    def post(self, request):
        body = MessageSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        delivery = messaging.deliver(actor=request.user, **body.validated_data)
        result = {"message_id": delivery.message.message_id, "status": delivery.status,
                  "duplicate": delivery.duplicate, "instance": delivery.instance_id}
        return Response(DeliverySerializer(result).data,
                        status=status.HTTP_200_OK if delivery.duplicate else status.HTTP_201_CREATED)
