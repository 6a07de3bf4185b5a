"""Fields that name people (``"x-role": "<role code>"`` on a username field, or on the items of a
list of usernames) must name someone with an account who holds that role in the task's owning body.

Without it, whoever fills in a form could hand the next step to anyone, themselves included: the
clerk could present a document to herself and then assign it as if she were the leader. A name with
no account is refused here too, on its own path with its own message, together with the rest of the
form's problems (the engine would otherwise refuse it later, alone). Role holders come from the
engine's ``ROLE_HOLDERS`` hook (the directory), so forms does not import it; ``candidates`` gives the
same people to whoever asks whom a field may name (the API).
"""

from collections.abc import Collection

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


def candidates(form_key: str, field: str, *, body: str) -> tuple[str, set[int]] | None:
    """(role, ids of its holders in ``body`` today): whom ``field`` may name; None for a field that names nobody."""
    role = role_fields(form_key).get(field)
    if role is None:
        return None
    return role, set(conf.hook("ROLE_HOLDERS")(role, body))


def _named(value, name: str) -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(name, value)]
    if isinstance(value, list):
        return [(f"{name}/{index}", item) for index, item in enumerate(value) if isinstance(item, str)]
    return []


def problems(form_key: str, data: dict, *, body: str, refused: Collection[str] = ()) -> dict[str, list[str]]:
    """``{path: [messages]}`` for the names in ``data`` that match no account or whose person does not
    hold the field's role in ``body``. Names at ``refused`` paths (the schema already said what is
    wrong with them) are not looked up. One query for the usernames, then one per role named."""
    wanted: dict[str, list[tuple[str, str]]] = {}
    for name, role in role_fields(form_key).items():
        named = [(path, username) for path, username in _named(data.get(name), name) if path not in refused]
        wanted.setdefault(role, []).extend(named)
    usernames = {username for pairs in wanted.values() for _path, username in pairs}
    if not usernames:
        return {}
    user_model = get_user_model()
    ids = dict(user_model.objects.filter(**{f"{user_model.USERNAME_FIELD}__in": usernames})
               .values_list(user_model.USERNAME_FIELD, "pk"))
    holders_of = conf.hook("ROLE_HOLDERS")
    ui_fields = registry.ui_fields(form_key)
    errors: dict[str, list[str]] = {}
    for role, pairs in wanted.items():
        holders = set(holders_of(role, body)) if any(username in ids for _path, username in pairs) else set()
        for path, username in pairs:
            if username not in ids:
                message = _("There is no account with the username %(user)s.") % {"user": username}
            elif ids[username] in holders:
                continue
            else:
                field = path.split("/", 1)[0]
                message = ui_fields.get(field, {}).get("messages", {}).get("x-role") or _(
                    "%(user)s cannot be chosen here: they do not hold the role %(role)s in this body."
                ) % {"user": username, "role": role}
            errors.setdefault(path, []).append(message)
    return errors


def check(form_key: str, data: dict, *, body: str) -> None:
    """Raise ``InvalidData`` when ``problems`` finds any."""
    errors = problems(form_key, data, body=body)
    if errors:
        raise InvalidData(_("Some fields are not filled in correctly."), errors=errors)
