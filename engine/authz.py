"""Who may complete a task, until the directory supplies role resolution in the owning body.

The default rule: the assignee, or, for an unassigned task, a member of the candidate group
(Django group named by the role code). Replace it with ``ENGINE["TASK_AUTHORIZER"]``.
"""


def user_roles(user) -> set[str]:
    """The user's group names, cached on the user object for the request."""
    roles = getattr(user, "_quytrinh_roles", None)
    if roles is None:
        roles = set(user.groups.values_list("name", flat=True))
        user._quytrinh_roles = roles
    return roles


def may_complete(user, task) -> bool:
    if user is None or not getattr(user, "is_active", False):
        return False
    if task.assignee_id is not None:
        return task.assignee_id == user.pk
    return bool(task.candidate_group) and task.candidate_group in user_roles(user)


def role_holders(role: str, body: str = "") -> set[int]:
    """Users in the Django group named by the role (the body is ignored without a directory)."""
    from django.contrib.auth import get_user_model

    return set(get_user_model().objects.filter(groups__name=role, is_active=True).values_list("pk", flat=True))


def role_pairs(user) -> set[tuple[str, str]]:
    """(role, body) pairs for the API's scoping: each group is a role in every body ("*")."""
    return {(role, "*") for role in user_roles(user)}
