"""Fields that name units (``"x-unit": true`` on a body-code field, or on the items of a list of
them) must name a unit directly under the task's owning body: a leader assigns a document to one of
their own boards or offices, never to another committee's. Units come from the engine's ``UNITS``
hook (the directory), so forms does not import it; ``candidates`` gives the same units to whoever
asks whom a field may name (the API, the pages)."""

from django.utils.translation import gettext as _

from engine import conf

from . import registry


def unit_fields(form_key: str) -> set[str]:
    """The fields of a form that name units."""
    return {name for name, prop in registry.schema_properties(form_key).items()
            if prop.get("x-unit") is True or (prop.get("items") or {}).get("x-unit") is True}


def candidates(form_key: str, field: str, *, body: str) -> dict[str, str] | None:
    """code -> name of the units ``field`` may name; None for a field that names no unit."""
    if field not in unit_fields(form_key):
        return None
    known = conf.hook("UNITS")
    return dict(known(body)) if known is not None else {}


def problems(form_key: str, data: dict, *, body: str, refused=()) -> dict[str, list[str]]:
    """``{path: [messages]}`` for unit codes in ``data`` that are not units of ``body``."""
    fields = unit_fields(form_key)
    known = conf.hook("UNITS")
    if not fields or known is None:
        return {}
    allowed: dict[str, str] | None = None
    errors: dict[str, list[str]] = {}
    for name in sorted(fields):
        value = data.get(name)
        named = [(name, value)] if isinstance(value, str) else (
            [(f"{name}/{i}", item) for i, item in enumerate(value) if isinstance(item, str)]
            if isinstance(value, list) else [])
        for path, code in named:
            if path in refused:
                continue
            allowed = dict(known(body)) if allowed is None else allowed
            if code not in allowed:
                errors.setdefault(path, []).append(
                    _("%(unit)s is not a unit of this body.") % {"unit": code})
    return errors
