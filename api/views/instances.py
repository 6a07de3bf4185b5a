"""Process instances the caller takes part in or supervises: list, detail, history, diagram, repairs."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine import repair, services, state
from engine.models import AuditEvent, Incident, Job, JobStatus, ProcessDefinition, ProcessInstance, Task, TaskStatus

from .. import visibility
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
    workflow = services.workflow_of(instance)
    tasks = list(Task.objects.filter(instance=instance).order_by("created_at"))
    active = [{"bpmn_id": t.bpmn_id, "name": t.name, "kind": "user_task", "task": t.pk, "due_at": t.due_at}
              for t in tasks if t.status == TaskStatus.OPEN]
    for spiff_task in workflow.event_manager.tasks.values():
        definition = getattr(spiff_task.task_spec, "event_definition", None)
        if spiff_task.state != TaskState.WAITING or definition is None:
            continue
        kind = "timer" if isinstance(definition, TimerEventDefinition) else (
            "message" if isinstance(definition, MessageEventDefinition) else "event")
        due = definition.details(spiff_task).value if kind == "timer" else None
        active.append({"bpmn_id": spiff_task.task_spec.bpmn_id or "", "name": spiff_task.task_spec.bpmn_name or "",
                       "kind": kind, "task": None, "due_at": due if isinstance(due, str) else None})
    for job in Job.objects.filter(instance=instance, status__in=[JobStatus.PENDING, JobStatus.RUNNING]):
        active.append({"bpmn_id": job.element, "name": job.handler, "kind": "job", "task": None, "due_at": None})
    completed = [{"bpmn_id": t.bpmn_id, "name": t.name, "kind": "user_task", "task": t.pk, "due_at": t.due_at,
                  "completed_at": t.completed_at} for t in tasks if t.status == TaskStatus.COMPLETED]
    data = state.current_data(workflow) if visibility.may_see_data(user, instance) else None
    steps = StepSerializer(many=True)
    return {**InstanceSerializer(instance).data, "active_steps": steps.to_representation(active),
            "completed_steps": steps.to_representation(completed), "data": data,
            "incidents": IncidentSerializer(Incident.objects.filter(instance=instance, resolved_at__isnull=True),
                                            many=True).data}


class InstanceViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = InstanceSerializer
    queryset = ProcessInstance.objects.none()  # for the schema; get_queryset scopes to the caller

    def get_queryset(self):
        queryset = visibility.instances(self.request.user).select_related("definition").order_by("-started_at")
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
        return Response(instance_detail(request.user, self._visible(pk)))

    @extend_schema(responses={200: EventSerializer(many=True), 404: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def events(self, request, pk=None):
        instance = self._visible(pk)
        page = self.paginate_queryset(AuditEvent.objects.filter(instance=instance).order_by("seq"))
        return self.get_paginated_response(EventSerializer(page, many=True).data)

    @extend_schema(responses={200: DiagramSerializer, 404: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def diagram(self, request, pk=None):
        instance = self._visible(pk)
        definition = ProcessDefinition.objects.get(pk=instance.definition_id)
        xml = next((text for text in definition.files.values() if f'id="{definition.key}"' in text),
                   next(iter(definition.files.values())))
        detail = instance_detail(request.user, instance)
        states = {step["bpmn_id"]: "completed" for step in detail["completed_steps"]}
        for step in detail["active_steps"]:
            states[step["bpmn_id"]] = "active" if step["kind"] == "user_task" else "waiting"
        return Response(DiagramSerializer({"bpmn": xml, "states": states}).data)

    def _visible(self, pk):
        return get_object_or_404(visibility.instances(self.request.user), pk=pk)

    def _admin(self, pk):
        instance = self._visible(pk)
        if not visibility.is_process_admin(self.request.user):
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
