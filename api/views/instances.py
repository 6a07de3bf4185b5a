"""Process instances the caller takes part in or supervises: list, detail, history, diagram, repairs."""

from dataclasses import asdict

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from engine import access, inspection, repair, services
from engine.models import AuditEvent, Incident, ProcessDefinition, ProcessInstance, Task

from ..serializers import (
    DiagramSerializer,
    EventSerializer,
    IncidentSerializer,
    InstanceDetailSerializer,
    InstanceSerializer,
    MigrateSerializer,
    ReasonSerializer,
    StepSerializer,
)


def instance_detail(user, instance) -> dict:
    """Status, version, active and completed steps by BPMN id, and the data the caller may see."""
    instance.refresh_from_db()
    tasks = list(Task.objects.filter(instance=instance).order_by("created_at"))
    steps = StepSerializer(many=True)
    data = inspection.data_of(instance) if access.may_see_data(user, instance) else None
    # Open steps have no completion time: the field is left out, not null.
    active = [{k: v for k, v in asdict(step).items() if k != "completed_at"}
              for step in inspection.active_steps(instance, tasks)]
    return {**InstanceSerializer(instance).data,
            "active_steps": steps.to_representation(active),
            "completed_steps": steps.to_representation(
                [asdict(step) for step in inspection.completed_steps(instance, tasks)]),
            "data": data,
            "incidents": IncidentSerializer(Incident.objects.filter(instance=instance, resolved_at__isnull=True),
                                            many=True).data}


class InstanceViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = InstanceSerializer
    queryset = ProcessInstance.objects.none()  # for the schema; get_queryset scopes to the caller

    def get_queryset(self):
        queryset = access.visible_instances(self.request.user).select_related("definition").order_by("-started_at")
        params = self.request.query_params
        if params.get("status"):
            queryset = queryset.filter(status=params["status"])
        if params.get("definition"):
            queryset = queryset.filter(definition__key=params["definition"])
        if params.get("business_key"):
            queryset = queryset.filter(business_key=params["business_key"])
        if params.get("body"):
            queryset = queryset.filter(body=params["body"])
        if self.action == "list":  # a listing never needs the stored state or the BPMN files
            queryset = queryset.defer("state", "definition__files", "definition__task_meta")
        return queryset

    @extend_schema(parameters=[
        OpenApiParameter("status", str, enum=["running", "suspended", "completed", "cancelled"]),
        OpenApiParameter("definition", str, description=_("Process key")),
        OpenApiParameter("business_key", str), OpenApiParameter("body", str)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: InstanceDetailSerializer, 404: OpenApiTypes.OBJECT})
    def retrieve(self, request, pk=None):
        instance = self._visible(pk)
        access.note_read(request.user, instance, what="detail")
        return Response(instance_detail(request.user, instance))

    @extend_schema(responses={200: EventSerializer(many=True), 404: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def events(self, request, pk=None):
        instance = self._visible(pk)
        access.note_read(request.user, instance, what="events")
        events = AuditEvent.objects.filter(instance=instance).select_related("actor").order_by("seq")
        page = self.paginate_queryset(events)
        return self.get_paginated_response(EventSerializer(page, many=True).data)

    @extend_schema(responses={200: DiagramSerializer, 404: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def diagram(self, request, pk=None):
        instance = self._visible(pk)
        access.note_read(request.user, instance, what="diagram")
        definition = ProcessDefinition.objects.get(pk=instance.definition_id)
        xml = next((text for text in definition.files.values() if f'id="{definition.key}"' in text),
                   next(iter(definition.files.values())))
        return Response(DiagramSerializer({"bpmn": xml, "states": inspection.diagram_states(instance)}).data)

    def _visible(self, pk):
        return get_object_or_404(access.visible_instances(self.request.user), pk=pk)

    def _admin(self, pk):
        instance = self._visible(pk)
        if not access.is_process_admin(self.request.user):
            raise exceptions.PermissionDenied(_("Only process administrators may do this."))
        return instance

    def _reason(self, request, serializer=ReasonSerializer):
        body = serializer(data=request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data

    @extend_schema(request=ReasonSerializer, responses={200: InstanceDetailSerializer})
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        instance = repair.suspend(self._admin(pk), actor=request.user, reason=self._reason(request)["reason"])
        return Response(instance_detail(request.user, instance))

    @extend_schema(request=ReasonSerializer, responses={200: InstanceDetailSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        instance = repair.resume(self._admin(pk), actor=request.user, reason=self._reason(request)["reason"])
        return Response(instance_detail(request.user, instance))

    @extend_schema(request=ReasonSerializer, responses={200: InstanceDetailSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        instance = services.cancel(self._admin(pk), actor=request.user, reason=self._reason(request)["reason"])
        return Response(instance_detail(request.user, instance))

    @extend_schema(request=MigrateSerializer, responses={200: InstanceDetailSerializer})
    @action(detail=True, methods=["post"])
    def migrate(self, request, pk=None):
        instance = self._admin(pk)
        body = self._reason(request, MigrateSerializer)
        target = get_object_or_404(ProcessDefinition.objects.defer("files"), key=instance.definition.key,
                                   version=body["version"])
        instance = repair.migrate(instance, to=target, actor=request.user, reason=body["reason"])
        return Response(instance_detail(request.user, instance))
