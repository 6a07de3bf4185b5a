"""Object permissions that follow the work: granted when a task reaches someone, revoked when it
leaves them.

A task assigned to a person gives that person ``view_task`` and ``change_task`` on it and
``view_processinstance`` on its instance; when the task is completed, cancelled or handed to
someone else, those rows are deleted (the instance grant only if no other open task of theirs
remains there). Tasks open to a role are found through the task table's ``candidate_group`` and
``body`` columns instead: a million-row worklist must not go through per-user rows. The rows are
direct foreign-key models (``engine.models.*ObjectPermission``) so lookups join on keys.
"""

from functools import cache

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef

from . import rows
from .models import ProcessInstance, ProcessInstanceUserObjectPermission, Task, TaskStatus, TaskUserObjectPermission


@cache
def _permission_ids() -> dict[str, int]:
    task_type = ContentType.objects.get_for_model(Task)
    instance_type = ContentType.objects.get_for_model(ProcessInstance)
    found = {}
    for codename, content_type in (("view_task", task_type), ("change_task", task_type),
                                   ("view_processinstance", instance_type)):
        found[codename] = Permission.objects.get(codename=codename, content_type=content_type).pk
    return found


def rows_for_assignments(assignments: list[tuple[Task, int]]) -> tuple[list, list]:
    """Grant rows for (task, user id) pairs: task rows, and instance rows (deduplicated)."""
    ids = _permission_ids()
    task_rows, instance_rows, seen = [], [], set()
    for task, user_id in assignments:
        task_rows += [TaskUserObjectPermission(user_id=user_id, permission_id=ids[name], content_object=task)
                      for name in ("view_task", "change_task")]
        if (task.instance_id, user_id) not in seen:
            seen.add((task.instance_id, user_id))
            instance_rows.append(ProcessInstanceUserObjectPermission(
                user_id=user_id, permission_id=ids["view_processinstance"], content_object_id=task.instance_id))
    return task_rows, instance_rows


def revoke_for_closed(task_ids: list) -> None:
    """Delete the grants of tasks that left their assignees, and each assignee's instance grant
    unless another open task of theirs remains there (two statements, whatever the number)."""
    if not task_ids:
        return
    TaskUserObjectPermission.objects.filter(content_object_id__in=task_ids).delete()
    closed = Task.objects.filter(pk__in=task_ids, assignee__isnull=False)
    still_working = Task.objects.filter(instance_id=OuterRef("content_object_id"), assignee_id=OuterRef("user_id"),
                                        status=TaskStatus.OPEN).exclude(pk__in=task_ids)
    (ProcessInstanceUserObjectPermission.objects
     .filter(permission_id=_permission_ids()["view_processinstance"],
             content_object_id__in=closed.values("instance_id"), user_id__in=closed.values("assignee_id"))
     .exclude(Exists(still_working))
     .delete())


def apply_step(*, revoke_known: list, revoke_unknown: list, assignments: list, keep_instance: set) -> None:
    """The grant changes of one or more steps, in as few statements as the case allows.

    ``revoke_known``: (task id, instance id, user id) of closed tasks whose assignee is known and
    who has no other open task left in that instance; ``revoke_unknown``: closed task ids to
    revoke the careful way; ``assignments``: (new task, user id); ``keep_instance``: (instance id,
    user id) pairs whose instance grant stays (the user's next task there was just created).
    """
    ids = _permission_ids()
    task_ids = [task_id for task_id, _instance, _user in revoke_known]
    held = {(instance_id, user_id) for _task, instance_id, user_id in revoke_known}
    if task_ids:
        # Grant rows have no dependants and no signals: one plain DELETE each (this runs in most steps).
        rows.delete_where(TaskUserObjectPermission, content_object_id=task_ids)
        pairs = held - keep_instance
        if pairs:
            rows.delete_where(ProcessInstanceUserObjectPermission, permission_id=ids["view_processinstance"],
                              any_of=[{"content_object_id": i, "user_id": u} for i, u in sorted(pairs, key=str)])
    revoke_for_closed(revoke_unknown)
    if assignments:
        task_rows, instance_rows = rows_for_assignments(assignments)
        rows.insert(TaskUserObjectPermission, task_rows)
        unchanged = held & keep_instance
        rows.insert(ProcessInstanceUserObjectPermission,
                    [r for r in instance_rows if (r.content_object_id, r.user_id) not in unchanged],
                    ignore_conflicts=True)


def grant(task: Task, user_id: int) -> None:
    """Grant one assignment (claim, reassign) outside a step's bulk write."""
    task_rows, instance_rows = rows_for_assignments([(task, user_id)])
    TaskUserObjectPermission.objects.bulk_create(task_rows, ignore_conflicts=True)
    ProcessInstanceUserObjectPermission.objects.bulk_create(instance_rows, ignore_conflicts=True)
