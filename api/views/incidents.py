"""Incidents for process administrators: list the open ones, retry one."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from engine import access, repair
from engine.models import Incident

from ..serializers import IncidentSerializer, ReasonSerializer


class IsProcessAdmin(permissions.BasePermission):
    def has_permission(self, request, view):
        return access.is_process_admin(request.user)


class IncidentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = IncidentSerializer
    permission_classes = [permissions.IsAuthenticated, IsProcessAdmin]

    def get_queryset(self):
        return Incident.objects.filter(resolved_at__isnull=True).order_by("-created_at")

    @extend_schema(request=ReasonSerializer, responses={200: IncidentSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        incident = get_object_or_404(self.get_queryset(), pk=pk)
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(IncidentSerializer(repair.retry_incident(incident, actor=request.user,
                                                                 reason=body.validated_data["reason"])).data)
