"""jsonschema errors as messages people understand, per field path, in the user's language.

A path joins the keys and list positions from the form's root with ``/`` (``deadline``,
``co_handlers/0``); errors about the data as a whole use the empty path. A form may override the
message of one kind of error for one field in ``ui.fields.<field>.messages`` (e.g. ``pattern``).
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# A required text field carries {"minLength": 1, "pattern": "\\S"}: both mean "fill this in".
NOT_BLANK_PATTERNS = {"\\S", "\\S+", "[^\\s]"}

TYPE_NAMES = {
    "string": gettext_lazy("a text"),
    "integer": gettext_lazy("a whole number"),
    "number": gettext_lazy("a number"),
    "boolean": gettext_lazy("true or false"),
    "array": gettext_lazy("a list"),
    "object": gettext_lazy("a group of fields"),
    "null": gettext_lazy("empty"),
}
FORMAT_NAMES = {
    "date": gettext_lazy("date (YYYY-MM-DD)"),
    "date-time": gettext_lazy("date and time (ISO 8601)"),
    "time": gettext_lazy("time (HH:MM:SS)"),
    "email": gettext_lazy("e-mail address"),
    "uri": gettext_lazy("web address (URL)"),
    "uuid": gettext_lazy("identifier (UUID)"),
}


def path_of(parts) -> str:
    return "/".join(str(part) for part in parts)


def explain(error, ui_fields: dict[str, dict]) -> list[tuple[str, str]]:
    """(field path, message) pairs for one jsonschema ``ValidationError``."""
    here = list(error.absolute_path)
    kind, expected, instance = error.validator or "false", error.validator_value, error.instance
    if kind in ("required", "dependentRequired"):
        names = expected if kind == "required" else [
            name for present, needed in expected.items() if present in instance for name in needed]
        present = instance if isinstance(instance, dict) else {}
        return [(path_of([*here, name]), _("This field is required.")) for name in names if name not in present]
    if kind in ("additionalProperties", "unevaluatedProperties"):
        known = set(error.schema.get("properties", {}))
        extra = [name for name in instance if name not in known] if isinstance(instance, dict) else []
        return [(path_of([*here, name]), _("This field is not part of the form.")) for name in extra]
    override = _override(here, kind, ui_fields)
    return [(path_of(here), override or _message(kind, expected, here, ui_fields))]


def _override(here: list, kind: str, ui_fields: dict) -> str | None:
    if not here:
        return None
    return ui_fields.get(str(here[0]), {}).get("messages", {}).get(kind)


def _message(kind: str, expected, here: list, ui_fields: dict) -> str:
    if kind == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return _("Must be %(type)s.") % {"type": " / ".join(str(TYPE_NAMES.get(k, k)) for k in kinds)}
    if kind == "format":
        return _("Must be a valid %(format)s.") % {"format": FORMAT_NAMES.get(expected, expected)}
    if kind == "enum":
        labels = ui_fields.get(str(here[0]), {}).get("choices", {}) if len(here) == 1 else {}
        return _("Must be one of: %(choices)s.") % {"choices": ", ".join(str(labels.get(v, v)) for v in expected)}
    if kind == "const":
        return _("Must be %(value)s.") % {"value": expected}
    if kind == "minLength":
        return _("This field is required.") if expected == 1 else _("At least %(n)s characters.") % {"n": expected}
    if kind == "pattern":
        return _("This field is required.") if expected in NOT_BLANK_PATTERNS else _("Not in the expected form.")
    if kind in BOUNDS:
        return BOUNDS[kind] % {"n": expected}
    return str(OTHERS.get(kind, OTHERS[None]))


BOUNDS = {
    "maxLength": gettext_lazy("At most %(n)s characters."),
    "maximum": gettext_lazy("Must be at most %(n)s."),
    "exclusiveMaximum": gettext_lazy("Must be less than %(n)s."),
    "minimum": gettext_lazy("Must be at least %(n)s."),
    "exclusiveMinimum": gettext_lazy("Must be more than %(n)s."),
    "multipleOf": gettext_lazy("Must be a multiple of %(n)s."),
    "maxItems": gettext_lazy("At most %(n)s items."),
    "minItems": gettext_lazy("At least %(n)s items."),
    "maxProperties": gettext_lazy("At most %(n)s fields."),
    "minProperties": gettext_lazy("At least %(n)s fields."),
}
OTHERS = {
    "uniqueItems": gettext_lazy("The items must not repeat."),
    "x-not-before": gettext_lazy("Must not be a day in the past."),
    "readOnly": gettext_lazy("This field is filled in by the system and cannot be changed."),
    "false": gettext_lazy("This field is not part of the form."),  # a property whose schema is false
    None: gettext_lazy("Not a valid value."),
}
