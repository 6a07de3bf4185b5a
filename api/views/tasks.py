"""The worklist and the task verbs: claim, unclaim, save a draft, complete; sign a signing step (with a
key the server holds, or two-step for a token: ``signing.steps``); reassign for administrators; whom a
form's person field may name."""

from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from directory import people as directory_people
from engine import access, repair, rows, services
from engine.models import Task
from forms import drafts
from forms import people as form_people
from forms.tasks import task_form
from signing import steps as signing_steps

from ..serializers import (
    CompletedSerializer,
    CompleteSerializer,
    DraftSerializer,
    ReassignSerializer,
    TaskDetailSerializer,
    TaskPeopleSerializer,
    TaskSerializer,
)
from ..serializers.signing import SignatureRequestSerializer
from ..serializers.signsteps import (
    CompleteStepSerializer,
    PrepareStepSerializer,
    SignedTaskSerializer,
    SignStepSerializer,
)

ORDERINGS = {"due_at": ("due_at", "-priority"), "-due_at": ("-due_at", "-priority"),
             "priority": ("-priority", "due_at"), "created_at": ("created_at",), "-created_at": ("-created_at",)}


#: What a task listing reads: never the instance's stored state or the definition's BPMN files.
LISTED = ("id", "instance_id", "bpmn_id", "name", "lane", "candidate_group", "assignee_id", "form_key", "due_at",
          "priority", "status", "created_at", "completed_at", "instance__business_key", "instance__definition_id",
          "instance__definition__key", "assignee__username", "completed_by_id", "body", "subject", "sender")


def listed(queryset):
    return queryset.select_related("instance__definition", "assignee").only(*LISTED)


class TaskViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = TaskSerializer
    queryset = Task.objects.none()  # for the schema; get_queryset scopes to the caller

    def get_queryset(self):
        user, params = self.request.user, self.request.query_params
        scope = params.get("scope", "all")
        if scope not in ("mine", "group", "all"):
            raise exceptions.ValidationError({"scope": [_("Use mine, group or all.")]})
        queryset = listed(access.worklist(user, scope))
        if params.get("process"):
            queryset = queryset.filter(instance__definition__key=params["process"])
        if params.get("overdue") in ("true", "1"):
            queryset = queryset.filter(due_at__lt=timezone.now())
        if params.get("priority"):
            try:
                queryset = queryset.filter(priority__gte=int(params["priority"]))
            except ValueError:
                raise exceptions.ValidationError({"priority": [_("A whole number.")]}) from None
        if params.get("search"):
            words = params["search"].strip()[:200]
            queryset = queryset.filter(Q(subject__icontains=words) | Q(sender__icontains=words)
                                       | Q(instance__business_key__icontains=words))
        if params.get("due_before"):
            due_before = _datetime(params["due_before"], "due_before")
            queryset = queryset.filter(due_at__lt=due_before)
        ordering = ORDERINGS.get(params.get("ordering", "due_at"))
        if ordering is None:
            raise exceptions.ValidationError({"ordering": [_("Unknown ordering.")]})
        return queryset.order_by(*ordering, "id")

    @extend_schema(parameters=[
        OpenApiParameter("scope", str, enum=["mine", "group", "all"]),
        OpenApiParameter("process", str), OpenApiParameter("overdue", bool),
        OpenApiParameter("priority", int, description=_("At least this priority")),
        OpenApiParameter("due_before", OpenApiTypes.DATETIME),
        OpenApiParameter("search", str, description=_("Words of the subject, the sender or the business key")),
        OpenApiParameter("ordering", str, enum=list(ORDERINGS))])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _visible(self, pk):
        return get_object_or_404(
            access.visible_tasks(self.request.user).select_related("instance__definition", "assignee"), pk=pk)

    def _actionable(self, pk):
        return get_object_or_404(
            access.actionable_tasks(self.request.user).select_related("instance__definition"), pk=pk)

    def _to_complete(self, pk):
        """The task to complete. Fast path, one indexed read: a task that is the caller's own or
        offered to one of their roles (the common case), which ``access.actionable_tasks`` would
        return anyway; for anything else its full rules decide between the task and 404."""
        user = self.request.user
        try:
            task = rows.read_task(pk)
        except (ValueError, TypeError, DjangoValidationError):  # not a task id: 404 below
            task = None
        if task is not None and access.acts_on(user, task):
            return task
        return self._actionable(pk)

    def _acted_on(self, pk):
        """The task, for whoever acts on it; 404 for the rest, even those who may see it (supervisors,
        administrators): they choose nobody for it."""
        task = self._to_complete(pk)
        if not access.acts_on(self.request.user, task):
            raise Http404
        return task

    @extend_schema(responses={200: TaskDetailSerializer, 404: OpenApiTypes.OBJECT})
    def retrieve(self, request, pk=None):
        task = self._visible(pk)
        form = task_form(task, request.user)
        if form is not None:
            people = self.reverse_action("people", args=[task.pk])
            form["people"] = {field: f"{people}?{urlencode({'field': field})}"
                              for field in form_people.role_fields(task.form_key)}
        return Response(TaskDetailSerializer(task, context={"form": form}).data)

    @extend_schema(
        parameters=[OpenApiParameter("field", str, required=True,
                                     description=_("A field of the task's form that names people"))],
        responses={200: TaskPeopleSerializer, 400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def people(self, request, pk=None):
        """Whom a person field of the task's form may name: the holders of its role in the task's body."""
        task = self._acted_on(pk)
        field = request.query_params.get("field", "")
        found = form_people.candidates(task.form_key, field, body=task.body) if task.form_key else None
        if found is None:
            raise exceptions.ValidationError({"field": [_("Name a field of the task's form that chooses people.")]})
        role, holders = found
        answer = {"field": field, "role": role, "people": directory_people.choosable(holders)}
        return Response(TaskPeopleSerializer(answer).data)

    @extend_schema(request=None, responses={200: TaskSerializer, 403: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        return Response(TaskSerializer(services.claim(self._actionable(pk), actor=request.user)).data)

    @extend_schema(request=None, responses={200: TaskSerializer, 403: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def unclaim(self, request, pk=None):
        return Response(TaskSerializer(services.unclaim(self._actionable(pk), actor=request.user)).data)

    @extend_schema(request=CompleteSerializer,
                   responses={200: CompletedSerializer, 400: OpenApiTypes.OBJECT, 403: OpenApiTypes.OBJECT,
                              404: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT, 422: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        task = self._to_complete(pk)
        body = CompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        signing_steps.refuse_plain_completion(task)  # only a signature completes a signing step
        completion = services.complete(task, data=body.validated_data["data"], actor=request.user)
        return Response(CompletedSerializer(self._completed(completion)).data)

    def _completed(self, completion: services.Completion) -> Task:
        """The completed task, with the tasks now open to the caller as ``next_tasks``."""
        drafts.discard_draft(task=completion.task)  # the task is closed: nobody's draft of it is of use
        # The answer comes from what the step stored (nothing is read back), except tasks that earlier
        # steps opened and that are still open: which of them the caller can act on is decided in
        # Python by the worklist's own rule.
        following = list(completion.opened)
        if completion.still_open:
            following += listed(Task.objects.filter(pk__in=completion.still_open))
        done = completion.task
        next_tasks = sorted((row for row in following if access.acts_on(self.request.user, row)),
                            key=lambda row: (row.created_at, str(row.pk)))
        # An attribute the model doesn't declare, for CompletedSerializer to read.
        done.next_tasks = next_tasks  # type: ignore[attr-defined]
        return done

    def _signed(self, signed: signing_steps.SignedStep) -> Response:
        done = self._completed(signed.completion)
        done.signed_file, done.signature = signed.file, signed.signature  # type: ignore[attr-defined]
        return Response(SignedTaskSerializer(done).data)

    def _signing_step(self, pk) -> tuple[Task, signing_steps.SignStep]:
        """The open signing step the caller acts on; 404 (on record) for every other task."""
        task = self._acted_on(pk)
        return task, signing_steps.open_step(self.request.user, task)

    @extend_schema(
        request=SignStepSerializer,
        responses={200: SignedTaskSerializer,
                   400: OpenApiResponse(OpenApiTypes.OBJECT, description=(
                       "An invalid body, or a certificate that is not one of yours for this step.")),
                   404: OpenApiResponse(OpenApiTypes.OBJECT, description="Not a signing step you act on."),
                   409: OpenApiResponse(OpenApiTypes.OBJECT, description="The task is no longer open."),
                   422: OpenApiResponse(OpenApiTypes.OBJECT, description=(
                       "Refused by the signing checks, nothing stored: e.g. personal_signature_missing, "
                       "document_changed, certificate_expired, wrong_pin, external_key_only.")),
                   429: OpenApiResponse(OpenApiTypes.OBJECT, description=(
                       "key_locked: too many wrong PINs for this key; Retry-After says when it opens again.")),
                   503: OpenApiResponse(OpenApiTypes.OBJECT, description="The timestamp authority did not answer.")})
    @action(detail=True, methods=["post"])
    @sensitive_variables()
    def sign(self, request, pk=None):
        """Sign the step's document with a key the server holds (the PIN or password given for this
        one signature, or the key's stored secret), store the signed version and complete the task
        with it, at most once: a repeated request after the signature finds the task closed (409)."""
        request._request.sensitive_post_parameters = ("secret",)  # what @sensitive_post_parameters sets
        task, step = self._signing_step(pk)
        body = SignStepSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        signed = signing_steps.sign_step(request.user, task, certificate=body.validated_data["certificate"],
                                         secret=body.validated_data.get("secret"), step=step)
        return self._signed(signed)

    @extend_schema(
        request=PrepareStepSerializer,
        responses={201: SignatureRequestSerializer, 400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT,
                   409: OpenApiTypes.OBJECT, 422: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], url_path="sign/prepare", url_name="sign-prepare")
    def sign_prepare(self, request, pk=None):
        """Two-step signing for a key the server never holds (a USB token, a remote signing
        service), first step: the digest the token signs for this step's document."""
        task, step = self._signing_step(pk)
        body = PrepareStepSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = signing_steps.prepare_step(request.user, task, certificate=body.validated_data["certificate"],
                                         step=step)
        return Response(SignatureRequestSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=CompleteStepSerializer,
        responses={200: SignedTaskSerializer, 400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT,
                   409: OpenApiTypes.OBJECT, 422: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], url_path="sign/complete", url_name="sign-complete")
    def sign_complete(self, request, pk=None):
        """Two-step signing, last step: embed the token's signature, store the signed version and
        complete the task, as ``sign`` answers."""
        task, step = self._signing_step(pk)
        body = CompleteStepSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        signed = signing_steps.complete_step(request.user, task, request=data["request"], signature=data["signature"],
                                             certificate=data.get("certificate"), step=step)
        return self._signed(signed)

    @extend_schema(request=DraftSerializer, responses={200: DraftSerializer})
    @action(detail=True, methods=["put"])
    def draft(self, request, pk=None):
        task = self._visible(pk)
        body = DraftSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        drafts.save_draft(task=task, user=request.user, data=body.validated_data["data"])
        return Response({"data": body.validated_data["data"]})

    @extend_schema(request=ReassignSerializer, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        task = self._visible(pk)
        if not access.is_process_admin(request.user):
            raise exceptions.PermissionDenied(_("Only process administrators may reassign tasks."))
        body = ReassignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        assignee = None
        if body.validated_data["assignee"]:
            assignee = get_object_or_404(get_user_model(), username=body.validated_data["assignee"], is_active=True)
        task = repair.reassign(task, assignee=assignee, actor=request.user, reason=body.validated_data["reason"])
        return Response(TaskSerializer(task).data)


def _datetime(value: str, name: str):
    parsed = parse_datetime(value)
    if parsed is None:
        raise exceptions.ValidationError({name: [_("An ISO 8601 date and time.")]})
    return parsed if parsed.tzinfo else timezone.make_aware(parsed)
