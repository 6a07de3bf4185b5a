"""Who may see and do what with processes and tasks: the one place that answers it.

The API, the pages, reports and notifications ask here; the engine's own ``start`` and
``complete`` ask through the ``START_AUTHORIZER`` and ``TASK_AUTHORIZER`` hooks, which default to
``may_start`` and ``acts_on``. Domain apps keep the rules about their own objects in their
``<app>/access.py`` and build them from what this module offers (``role_pairs``,
``participating``, ``is_process_admin``); a view or a template never decides.

The rules:

- A person holds roles in bodies (``role_pairs``: from the directory through ``ROLE_PAIRS``;
  body ``*`` means every body). A task row carries its role (``candidate_group``) and the owning
  body of its instance (``body``; empty means any body).
- A task is *offered* to the holders of its role in its body while it is open and unassigned;
  an assigned task is its assignee's alone. Whoever it is offered or assigned to *acts on* it.
- A task is *visible* to those who act on it, to whoever holds a grant on it (work that reached
  them), to whoever completed it, to the supervisors of its body (``SUPERVISOR_ROLES``) and to
  process administrators.
- An instance is visible to the people who take part in it (a grant, or an open task offered to
  them) or took part in it (they started it or completed one of its tasks: they keep reading what
  they did, and each such read is on record, ``note_read``), to its body's supervisors, and to
  process administrators; only participants and supervisors see its data (``may_see_data``), and
  not even they when an app guards it (a confidential document's process, ``guard_data``).
- A process is started by holders of the role of its start event's lane in the owning body
  (anyone when that lane names no role), and by process administrators.

Everything else is invisible: the API answers 404, as if it did not exist.
"""

import logging

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet

from . import audit, conf, definitions
from .models import (
    ProcessDefinition,
    ProcessInstance,
    ProcessInstanceUserObjectPermission,
    Task,
    TaskStatus,
    TaskUserObjectPermission,
)

logger = logging.getLogger(__name__)
ANY_BODY = "*"
_CACHE = "_quytrinh_role_pairs"  # on the user object, which lives for one request
_ADMIN_CACHE = "_quytrinh_process_admin"  # the same


# --- Roles -------------------------------------------------------------------------------------


def role_pairs(user) -> frozenset[tuple[str, str]]:
    """The (role, body) pairs ``user`` holds today; one lookup per user object (per request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.pk:
        return frozenset()
    cached = user.__dict__.get(_CACHE)
    if cached is None:
        cached = frozenset(conf.hook("ROLE_PAIRS")(user))
        user.__dict__[_CACHE] = cached
    return cached


def holds(user, role: str, body: str) -> bool:
    """Whether ``user`` holds ``role`` in ``body`` (an empty body: in any body)."""
    pairs = role_pairs(user)
    if (role, ANY_BODY) in pairs:
        return True
    if body:
        return (role, body) in pairs
    return any(held == role for held, _body in pairs)


def holds_anywhere(user, roles) -> bool:
    """Whether ``user`` holds one of ``roles`` in every body (a Django group named after it)."""
    return any(role in roles and body == ANY_BODY for role, body in role_pairs(user))


def is_process_admin(user) -> bool:
    """Superusers and holders of ``engine.add_processdefinition``; the permission is looked up once
    per user object (per request), as Django's backends cache it, without asking every backend
    again for each row a list checks."""
    if getattr(user, "is_superuser", False):
        return True
    cached = user.__dict__.get(_ADMIN_CACHE)
    if cached is None:
        cached = user.__dict__[_ADMIN_CACHE] = bool(user.has_perm("engine.add_processdefinition"))
    return cached


def supervised_bodies(user) -> set[str]:
    roles = set(conf.get("SUPERVISOR_ROLES"))
    return {body for role, body in role_pairs(user) if role in roles}


def group_role_pairs(user) -> set[tuple[str, str]]:
    """``ROLE_PAIRS`` without a directory: each Django group is a role held in every body."""
    return {(name, ANY_BODY) for name in user.groups.values_list("name", flat=True)}


def group_role_holders(role: str, body: str = "") -> set[int]:
    """``ROLE_HOLDERS`` without a directory: the active members of the group named after the role."""
    return set(get_user_model().objects.filter(groups__name=role, is_active=True).values_list("pk", flat=True))


# --- Tasks -------------------------------------------------------------------------------------


def acts_on(user, task: Task) -> bool:
    """Whether the task is (or, once closed, was) the user's to act on: assigned to them,
    completed by them, or offered to one of their roles in its body. The engine's
    ``TASK_AUTHORIZER`` (it asks about open tasks only); ``offered`` is the same rule as a query."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if task.assignee_id == user.pk or (task.completed_by_id is not None and task.completed_by_id == user.pk):
        return True
    if task.status == TaskStatus.OPEN and task.assignee_id is not None:
        return False
    return bool(task.candidate_group) and holds(user, task.candidate_group, task.body)


def _role_condition(user) -> Q:
    """Task rows whose role the user holds in the task's body (or in any body, for body-less tasks)."""
    condition = Q(pk__in=[])
    for role, body in role_pairs(user):
        condition |= Q(candidate_group=role) if body == ANY_BODY else Q(candidate_group=role, body__in=(body, ""))
    return condition


def offered(user) -> Q:
    """Open, unassigned tasks offered to one of the user's roles (``acts_on`` as a query)."""
    return Q(status=TaskStatus.OPEN, assignee__isnull=True) & _role_condition(user)


def worklist(user, scope: str = "all") -> QuerySet:
    """Open tasks the user can act on: ``mine`` (assigned), ``group`` (offered to a role), or both."""
    mine = Q(status=TaskStatus.OPEN, assignee_id=user.pk)
    condition = {"mine": mine, "group": offered(user)}.get(scope, mine | offered(user))
    return Task.objects.filter(condition)


def _bodies(field: str, bodies: set[str]) -> Q:
    if ANY_BODY in bodies:
        return ~Q(pk__in=[])
    return Q(**{f"{field}__in": bodies}) if bodies else Q(pk__in=[])


def visible_tasks(user) -> QuerySet:
    """Every task the user may look at (see the module docstring)."""
    if is_process_admin(user):
        return Task.objects.all()
    granted = TaskUserObjectPermission.objects.filter(content_object_id=OuterRef("pk"), user_id=user.pk)
    return Task.objects.filter(Q(status=TaskStatus.OPEN, assignee_id=user.pk) | offered(user) | Exists(granted)
                               | Q(completed_by_id=user.pk) | _bodies("instance__body", supervised_bodies(user)))


def actionable_tasks(user) -> QuerySet:
    """Tasks the user may try to act on: the visible ones, and closed ones that were theirs or their
    role's, so that acting on a task someone has just completed answers 409, not 404."""
    theirs = Q(assignee_id=user.pk) | Q(completed_by_id=user.pk) | _role_condition(user)
    return visible_tasks(user) | Task.objects.filter(theirs, ~Q(status=TaskStatus.OPEN))


# --- Instances ---------------------------------------------------------------------------------


def _taking_part(user) -> Q:
    """Instances the user takes part in now (work assigned or offered to them) or supervises."""
    granted = ProcessInstanceUserObjectPermission.objects.filter(content_object_id=OuterRef("pk"), user_id=user.pk)
    open_to_them = Task.objects.filter(offered(user), instance_id=OuterRef("pk"))
    return Exists(granted) | Exists(open_to_them) | _bodies("body", supervised_bodies(user))


def _took_part(user) -> Q:
    """Instances the user started or completed a task of."""
    completed = Task.objects.filter(instance_id=OuterRef("pk"), completed_by_id=user.pk)
    return Q(started_by_id=user.pk) | Q(Exists(completed))


def participating(user) -> QuerySet:
    """Instances the user takes or took part in, or supervises (what they may see the data of)."""
    return ProcessInstance.objects.filter(_taking_part(user) | _took_part(user))


def note_read(user, instance: ProcessInstance, *, what: str) -> None:
    """Put on record a read by someone whose part in the instance is over (read-only access to
    what they did); current participants, supervisors and administrators read without a record."""
    if is_process_admin(user) or ProcessInstance.objects.filter(_taking_part(user), pk=instance.pk).exists():
        return
    key = ProcessDefinition.objects.filter(pk=instance.definition_id).values_list("key", flat=True).first()
    audit.append("access", [audit.Entry("instance_read", actor=user, after={
        "instance": str(instance.pk), "process": key, "what": what})])


def visible_instances(user) -> QuerySet:
    return ProcessInstance.objects.all() if is_process_admin(user) else participating(user)


_data_guards: list = []


def guard_data(guard):
    """Register ``guard(user, instance) -> bool``: an app whose objects a process handles may hide
    the process data from someone who may not read them (documents: a confidential document's
    process data only for those granted its content)."""
    if guard not in _data_guards:
        _data_guards.append(guard)
    return guard


def may_see_data(user, instance: ProcessInstance) -> bool:
    """Participants and supervisors see the process data, unless an app's guard says no;
    administrators only its metadata."""
    return (participating(user).filter(pk=instance.pk).exists()
            and all(guard(user, instance) for guard in _data_guards))


# --- Starting ----------------------------------------------------------------------------------


def start_roles(definition: ProcessDefinition) -> set[str]:
    """The roles of the lanes the start events sit in (empty: anyone may start)."""
    return set(definitions.load(definition).task_meta.get("__start__", {}).get(definition.key, []))


def start_bodies(user, definition: ProcessDefinition) -> list[str]:
    """The bodies where ``user`` holds a role that starts ``definition``, by code (a role held in
    every body, and a start lane that names no role, offer none). With more than one the starter
    must say which: a specialist drafts for the Party Committee or for their own board, and a guess
    files the document in the wrong one (the API asks, the start page offers the choice)."""
    roles = start_roles(definition)
    return sorted({body for role, body in role_pairs(user) if role in roles and body != ANY_BODY})


def owning_body(user, definition: ProcessDefinition) -> str:
    """The body an instance belongs to when its starter names none: where they hold a role that may
    start it (the clerk's own committee; the first of ``start_bodies`` when a caller did not ask
    which), else the first body they belong to."""
    held = start_bodies(user, definition)
    return held[0] if held else min((body for _role, body in role_pairs(user) if body != ANY_BODY), default="")


def may_start(user, definition: ProcessDefinition, body: str) -> bool:
    """The engine's ``START_AUTHORIZER``: process administrators, or holders of a start lane's role
    in ``body`` (anyone when the start lane names no role)."""
    if is_process_admin(user):
        return True
    roles = start_roles(definition)
    return not roles or any(role in roles and held in (body, ANY_BODY) for role, held in role_pairs(user))


def record_denial(request, status: int, *, via: str = "") -> None:
    """Every refusal on the ``access`` audit stream (who, what, from where), whichever transport said
    no (the API, the pages). Losing the record is logged, never turned into an error of its own."""
    user = getattr(request, "user", None)
    after = {"status": status, "method": request.method, "path": request.get_full_path()[:500],
             "ip": request.META.get("REMOTE_ADDR", ""), **({"via": via} if via else {})}
    try:
        audit.append("access", [audit.Entry("access_denied", actor=user if getattr(user, "is_authenticated", False)
                                            else None, after=after)])
    except Exception:
        logger.exception("could not record an access denial")
