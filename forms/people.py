"""Fields that name people (``"x-role": "<role code>"`` on a username field, or on the items of a
list of usernames) must name someone who holds that role in the task's owning body.

Without it, whoever fills in a form could hand the next step to anyone, themselves included: the
clerk could present a document to herself and then assign it as if she were the leader. Names
that match no account are left to the engine, which refuses an unknown assignee. Role holders
come from the engine's ``ROLE_HOLDERS`` hook (the directory), so forms does not import it.
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from engine import conf
from engine.exceptions import InvalidData

from . import registry


def role_fields(form_key: str) -> dict[str, str]:
    """Field name -> role code, for the fields of a form that name people."""
    found = {}
    for name, prop in registry.schema_properties(form_key).items():
        role = prop.get("x-role") or (prop.get("items") or {}).get("x-role")
        if isinstance(role, str) and role:
            found[name] = role
    return found


def _named(value, name: str) -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(name, value)]
    if isinstance(value, list):
        return [(f"{name}/{index}", item) for index, item in enumerate(value) if isinstance(item, str)]
    return []


def check(form_key: str, data: dict, *, body: str) -> None:
    """Raise ``InvalidData`` when a named person does not hold the field's role in ``body``.
    Two queries at most per role named: the usernames, then the role's holders."""
    wanted: dict[str, list[tuple[str, str]]] = {}
    for name, role in role_fields(form_key).items():
        wanted.setdefault(role, []).extend(_named(data.get(name), name))
    usernames = {username for pairs in wanted.values() for _path, username in pairs}
    if not usernames:
        return
    user_model = get_user_model()
    ids = dict(user_model.objects.filter(**{f"{user_model.USERNAME_FIELD}__in": usernames})
               .values_list(user_model.USERNAME_FIELD, "pk"))
    holders_of = conf.hook("ROLE_HOLDERS")
    ui_fields = registry.ui_fields(form_key)
    errors: dict[str, list[str]] = {}
    for role, pairs in wanted.items():
        pairs = [(path, username) for path, username in pairs if username in ids]
        holders = set(holders_of(role, body)) if pairs else set()
        for path, username in pairs:
            if ids[username] not in holders:
                field = path.split("/", 1)[0]
                message = ui_fields.get(field, {}).get("messages", {}).get("x-role") or _(
                    "%(user)s cannot be chosen here: they do not hold the role %(role)s in this body."
                ) % {"user": username, "role": role}
                errors.setdefault(path, []).append(message)
    if errors:
        raise InvalidData(_("Some fields are not filled in correctly."), errors=errors)
