"""The caller's own notices: deadline reminders, overdue flags, escalations, certificates to renew.
Through the API nobody reads another person's notices, administrators included."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from engine.models import Notification

from ..serializers import NotificationSerializer


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # for the schema; get_queryset scopes to the caller

    def get_queryset(self):
        queryset = Notification.objects.filter(user=self.request.user.pk).order_by("-created_at", "-id")
        if self.request.query_params.get("unread") in ("true", "1"):
            queryset = queryset.filter(read_at__isnull=True)
        return queryset

    @extend_schema(parameters=[OpenApiParameter("unread", bool, description=_("Only those not read yet"))])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: NotificationSerializer, 404: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one's own notice read (again: keeps the first time)."""
        notice = get_object_or_404(Notification.objects.filter(user_id=request.user.pk), pk=pk)
        if notice.read_at is None:
            notice.read_at = timezone.now()
            notice.save(update_fields=["read_at"])
        return Response(NotificationSerializer(notice).data)
