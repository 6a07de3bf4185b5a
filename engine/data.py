"""Checks on what people and integrators hand to the engine, before any step runs: data must be a
JSON object the database can keep, and an administrator's action needs a reason."""

from django.utils.translation import gettext as _

from . import conf, sandbox
from .exceptions import InvalidData, ScriptError


def checked_data(data) -> dict:
    """A copy of ``data`` if it can be stored as process data (``InvalidData`` otherwise)."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidData(_("The data must be a JSON object."))
    refuse_nul(data)
    try:
        sandbox.check_storable(data, conf.get("SCRIPT_MAX_SIZE"))
    except ScriptError as err:
        raise InvalidData(str(err.message)) from err
    return dict(data)


def refuse_nul(data) -> None:
    """Refuse NUL characters, in keys or text, which PostgreSQL cannot keep in JSON (the whole step
    would fail at the write): every entry point (start, complete, messages, drafts) checks here."""
    paths = ["/".join(str(part) for part in path) for path in _with_nul(data, [])]
    if paths:
        message = _("Contains a character that cannot be stored.")
        raise InvalidData(_("Some fields are not filled in correctly."), errors={path: [message] for path in paths})


def _with_nul(value, path: list):
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in str(key):
                yield [*path, str(key).replace("\x00", "")]
            else:
                yield from _with_nul(item, [*path, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _with_nul(item, [*path, index])


def required_reason(reason: str) -> str:
    """The reason an administrator gives for a repair, trimmed; refused when empty."""
    if not (reason or "").strip():
        raise InvalidData(_("A reason is required."), errors={"reason": [_("Required.")]})
    return reason.strip()[:1000]
