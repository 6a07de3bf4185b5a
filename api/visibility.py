"""Who sees what: every queryset the API serves is scoped to the caller here.

- A task is visible to its assignee, to holders of its role in its body while it is open and
  unassigned, to whoever holds a django-guardian grant on it, to the supervisors of its body, and
  to process administrators.
- An instance is visible to whoever holds a grant on it (work assigned to them), to holders of a
  role an open task of it is offered to, to its body's supervisors, and to process administrators.
- Process data is shown only to those who take part in or supervise the instance; process
  administrators see the metadata, not the content.

Everything else answers 404, as if it did not exist.
"""

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.module_loading import import_string

from engine.models import (
    ProcessInstance,
    ProcessInstanceGroupObjectPermission,
    ProcessInstanceUserObjectPermission,
    Task,
    TaskGroupObjectPermission,
    TaskStatus,
    TaskUserObjectPermission,
)

ANY_BODY = "*"


def role_pairs(user) -> frozenset[tuple[str, str]]:
    """(role, body) pairs the user holds now; body ``*`` means in every body. Cached per request user."""
    cached = getattr(user, "_quytrinh_role_pairs", None)
    if cached is None:
        hook = settings.API.get("USER_ROLES", "engine.authz.role_pairs")
        cached = frozenset(import_string(hook)(user))
        user._quytrinh_role_pairs = cached
    return cached


def is_process_admin(user) -> bool:
    return bool(user.is_superuser or user.has_perm("engine.add_processdefinition"))


def supervised_bodies(user) -> set[str]:
    roles = set(settings.API.get("SUPERVISOR_ROLES", ()))
    return {body for role, body in role_pairs(user) if role in roles}


def _offered(user) -> Q:
    """Open, unassigned tasks offered to one of the user's roles in its body."""
    condition = Q(pk__in=[])
    for role, body in role_pairs(user):
        if body == ANY_BODY:
            condition |= Q(candidate_group=role)
        else:
            condition |= Q(candidate_group=role, body=body)
    return Q(status=TaskStatus.OPEN, assignee__isnull=True) & condition


def _bodies(field: str, bodies: set[str]) -> Q:
    if ANY_BODY in bodies:
        return ~Q(pk__in=[])
    return Q(**{f"{field}__in": bodies}) if bodies else Q(pk__in=[])


def worklist(user, scope: str = "all") -> QuerySet:
    """Open tasks the user can act on: ``mine`` (assigned), ``group`` (offered to a role), or both."""
    mine = Q(status=TaskStatus.OPEN, assignee_id=user.pk)
    condition = {"mine": mine, "group": _offered(user)}.get(scope, mine | _offered(user))
    return Task.objects.filter(condition)


def tasks(user) -> QuerySet:
    """Every task the user may look at (see the module docstring)."""
    if is_process_admin(user):
        return Task.objects.all()
    granted_user = TaskUserObjectPermission.objects.filter(content_object_id=OuterRef("pk"), user_id=user.pk)
    granted_group = TaskGroupObjectPermission.objects.filter(content_object_id=OuterRef("pk"),
                                                             group__user=user.pk)
    return Task.objects.filter(
        Q(status=TaskStatus.OPEN, assignee_id=user.pk) | _offered(user) | Exists(granted_user)
        | Exists(granted_group) | _bodies("instance__body", supervised_bodies(user)))


def acts_on(user, task: Task) -> bool:
    """Whether ``task`` is certainly in ``actionable(user)`` without querying: it is (or was)
    assigned to the user or completed by them, or it is offered (or was, if closed) to one of their
    roles in its body. False means "ask ``actionable``", not "denied"."""
    if task.assignee_id == user.pk or task.completed_by_id == user.pk:
        return True
    if task.status == TaskStatus.OPEN and task.assignee_id is not None:
        return False
    pairs = role_pairs(user)
    return (task.candidate_group, task.body) in pairs or (task.candidate_group, ANY_BODY) in pairs


def actionable(user) -> QuerySet:
    """Tasks the user may try to act on: the visible ones, and closed ones that were theirs or their
    role's, so that acting on a task someone has just completed answers 409, not 404."""
    roles = Q(pk__in=[])
    for role, body in role_pairs(user):
        roles |= Q(candidate_group=role) if body == ANY_BODY else Q(candidate_group=role, body=body)
    theirs = Q(assignee_id=user.pk) | Q(completed_by_id=user.pk) | roles
    return tasks(user) | Task.objects.filter(theirs, ~Q(status=TaskStatus.OPEN))


def instances(user) -> QuerySet:
    return ProcessInstance.objects.all() if is_process_admin(user) else participating(user)


def participating(user) -> QuerySet:
    """Instances the user takes part in or supervises (what they may see the data of)."""
    granted_user = ProcessInstanceUserObjectPermission.objects.filter(content_object_id=OuterRef("pk"),
                                                                      user_id=user.pk)
    granted_group = ProcessInstanceGroupObjectPermission.objects.filter(content_object_id=OuterRef("pk"),
                                                                        group__user=user.pk)
    offered = Task.objects.filter(_offered(user), instance_id=OuterRef("pk"))
    return ProcessInstance.objects.filter(
        Exists(granted_user) | Exists(granted_group) | Exists(offered) | _bodies("body", supervised_bodies(user)))


def may_see_data(user, instance: ProcessInstance) -> bool:
    """Participants and supervisors see the process data; administrators only its metadata."""
    return participating(user).filter(pk=instance.pk).exists()
