"""Process definitions: list, deploy (process administrators only) and start."""

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, parsers, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from engine import services, steps
from engine.exceptions import DeploymentError, DeployProblem
from engine.models import ProcessDefinition

from .. import visibility
from ..serializers import (
    DefinitionSerializer,
    DeployedSerializer,
    DeployRequestSerializer,
    InstanceDetailSerializer,
    StartSerializer,
)
from .instances import instance_detail

MAX_FILE_BYTES = 2_000_000


class IsProcessAdminForWrites(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or visibility.is_process_admin(request.user)


class DefinitionViewSet(viewsets.GenericViewSet):
    """The latest version of each deployed process."""

    serializer_class = DefinitionSerializer
    lookup_field = "key"
    lookup_value_regex = r"[A-Za-z_][\w.-]*"
    parser_classes = [parsers.MultiPartParser, parsers.JSONParser]

    def get_queryset(self):
        newest = ProcessDefinition.objects.filter(key=OuterRef("key")).order_by("-version").values("version")[:1]
        return ProcessDefinition.objects.defer("files", "task_meta").filter(version=Subquery(newest)).order_by("key")

    def get_permissions(self):
        if self.action == "create":
            return [permissions.IsAuthenticated(), IsProcessAdminForWrites()]
        return [permissions.IsAuthenticated()]

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(DefinitionSerializer(page, many=True).data)

    @extend_schema(request={"multipart/form-data": DeployRequestSerializer},
                   responses={201: DeployedSerializer, 200: DeployedSerializer})
    def create(self, request):
        uploads = request.FILES.getlist("file")
        if not uploads:
            raise exceptions.ValidationError({"file": [_("Attach at least one .bpmn or .dmn file.")]})
        files = {}
        for upload in uploads:
            if upload.size > MAX_FILE_BYTES:
                raise DeploymentError([DeployProblem(upload.name, None, None, _("The file is larger than 2 MB."))])
            files[upload.name] = upload.read()
        deployments = services.deploy(files, actor=request.user)
        first = deployments[0]
        body = {"key": first.definition.key, "version": first.definition.version, "created": first.created,
                "definitions": DefinitionSerializer([d.definition for d in deployments], many=True).data}
        created = any(d.created for d in deployments)
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=StartSerializer, responses={201: InstanceDetailSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request, key=None):
        definition = get_object_or_404(self.get_queryset(), key=key)
        body = StartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        owning_body = body.validated_data["body"] or default_body(request.user, start_roles(definition))
        if not may_start(request.user, definition, owning_body):
            raise exceptions.PermissionDenied(_("You may not start this process."))
        with transaction.atomic():
            instance = services.start(key, data=body.validated_data["data"], actor=request.user,
                                      business_key=body.validated_data["business_key"], body=owning_body)
        return Response(instance_detail(request.user, instance), status=status.HTTP_201_CREATED)


def start_roles(definition: ProcessDefinition) -> set[str]:
    """The roles of the start event's lane (empty: anyone may start)."""
    return set(steps.info_of(definition).task_meta.get("__start__", {}).get(definition.key, []))


def default_body(user, roles: set[str] = frozenset()) -> str:
    """The body an instance belongs to when the caller names none: where the caller holds a role
    that may start it (the clerk's own committee), else the first body they belong to."""
    held = sorted((role not in roles, body) for role, body in visibility.role_pairs(user)
                  if body != visibility.ANY_BODY)
    return held[0][1] if held else ""


def may_start(user, definition: ProcessDefinition, body: str) -> bool:
    """Administrators, or holders of the role of the start event's lane (anyone if it has none)."""
    if visibility.is_process_admin(user):
        return True
    roles = start_roles(definition)
    if not roles:
        return True
    return any(role in roles and held_body in (body, visibility.ANY_BODY)
               for role, held_body in visibility.role_pairs(user))
