"""Process definitions: list, deploy (process administrators only) and start (in the body the
caller names, or the one where they may start it; asked when there are several)."""

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, parsers, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from directory.models import Body
from engine import access, services
from engine.exceptions import DeploymentError, DeployProblem
from engine.models import ProcessDefinition

from ..problems import problem
from ..serializers import (
    DefinitionSerializer,
    DeployedSerializer,
    DeployRequestSerializer,
    InstanceDetailSerializer,
    StartProblemSerializer,
    StartSerializer,
)
from .instances import instance_detail

MAX_FILE_BYTES = 2_000_000


class IsProcessAdminForWrites(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or access.is_process_admin(request.user)


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
        warnings = list(dict.fromkeys(w for d in deployments for w in d.warnings))  # a called process's: once
        body = {"key": first.definition.key, "version": first.definition.version, "created": first.created,
                "definitions": DefinitionSerializer([d.definition for d in deployments], many=True).data,
                "warnings": [w.as_dict() for w in warnings]}
        created = any(d.created for d in deployments)
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=StartSerializer, responses={
        201: InstanceDetailSerializer,
        400: OpenApiResponse(StartProblemSerializer, description=(
            "Invalid data, no body known, nobody in the body to do the first task; or body_required: the caller may "
            "start the process in several bodies and named none (`bodies` lists them).")),
        403: OpenApiResponse(StartProblemSerializer, description="Not yours to start (in this body).")})
    @action(detail=True, methods=["post"])
    def start(self, request, key=None):
        definition = get_object_or_404(self.get_queryset(), key=key)
        body = StartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if not body.validated_data["body"] and len(choices := access.start_bodies(request.user, definition)) > 1:
            return body_required(definition, choices)
        with transaction.atomic():
            instance = services.start(key, definition=definition, data=body.validated_data["data"], actor=request.user,
                                      business_key=body.validated_data["business_key"],
                                      body=body.validated_data["body"])
        return Response(instance_detail(request.user, instance), status=status.HTTP_201_CREATED)


def body_required(definition: ProcessDefinition, codes: list[str]):
    """The caller starts this process in several bodies and named none: rather than guess (a plan
    filed in the board instead of the Party Committee), name the choices so a client can ask."""
    names = dict(Body.objects.filter(code__in=codes).values_list("code", "name"))
    bodies = [{"code": code, "name": names.get(code, code)} for code in codes]
    listed = ", ".join(f"{entry['name']} ({entry['code']})" for entry in bodies)
    return problem(
        status.HTTP_400_BAD_REQUEST, "body_required",
        _("You may start %(process)s in several bodies: say which one it belongs to in “body”.")
        % {"process": definition.name or definition.key},
        errors={"body": [_("Choose one of: %(bodies)s.") % {"bodies": listed}]}, bodies=bodies)
