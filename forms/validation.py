"""Validating submitted task data against its form, with errors per field path in Vietnamese."""

import functools
import json

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, FormatChecker

from engine.exceptions import InvalidData

from . import registry

MAX_DRAFT_BYTES = 200_000
_TYPES = {"string": "một chuỗi ký tự", "integer": "một số nguyên", "number": "một số", "boolean": "đúng hoặc sai",
          "array": "một danh sách", "object": "một nhóm trường", "null": "rỗng"}
_FORMATS = {"date": "ngày (YYYY-MM-DD)", "date-time": "ngày giờ (ISO 8601)", "email": "địa chỉ thư điện tử",
            "uri": "địa chỉ URL", "time": "giờ (HH:MM:SS)"}


@functools.cache
def _validator(form_key: str) -> Draft202012Validator:
    return Draft202012Validator(registry.get(form_key)["schema"], format_checker=FormatChecker())


def validate(form_key: str, data: dict) -> None:
    """Raise ``InvalidData`` with ``errors = {"field/path": [messages]}`` unless the data fits the form."""
    if registry.get(form_key) is None:
        raise InvalidData(_("The form '%(form)s' does not exist.") % {"form": form_key})
    errors: dict[str, list[str]] = {}
    for error in _validator(form_key).iter_errors(data):
        for path, message in _explain(error):
            errors.setdefault(path, []).append(message)
    if errors:
        raise InvalidData(_("Some fields are not filled in correctly."), errors=errors)


def validate_task(task, data: dict) -> None:
    """The engine's FORM_VALIDATOR: a task without a form accepts any object."""
    if task.form_key:
        validate(task.form_key, data)


def check_draft(data) -> None:
    if not isinstance(data, dict) or len(json.dumps(data, ensure_ascii=False)) > MAX_DRAFT_BYTES:
        raise InvalidData(_("A draft must be an object of at most 200 kB."), errors={"data": [_("Too large.")]})


def _path(parts) -> str:
    return "/".join(str(p) for p in parts)


def _explain(error) -> list[tuple[str, str]]:
    """(field path, Vietnamese message) for one jsonschema error."""
    here = _path(error.absolute_path)
    kind, expected = error.validator, error.validator_value
    if kind == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        return [(_path([*error.absolute_path, name]), _("This field is required."))
                for name in expected if name not in instance]
    if kind == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        extra = [name for name in error.instance if name not in allowed] if isinstance(error.instance, dict) else []
        return [(_path([*error.absolute_path, name]), _("This field is not part of the form.")) for name in extra]
    if kind == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return [(here, _("Must be %(type)s.") % {"type": " / ".join(_TYPES.get(k, k) for k in kinds)})]
    if kind == "format":
        return [(here, _("Must be a valid %(format)s.") % {"format": _FORMATS.get(expected, expected)})]
    if kind == "enum":
        return [(here, _("Must be one of: %(choices)s.") % {"choices": ", ".join(map(str, expected))})]
    if kind == "const":
        return [(here, _("Must be %(value)s.") % {"value": expected})]
    if kind == "maxLength":
        return [(here, _("At most %(n)s characters.") % {"n": expected})]
    if kind == "minLength":
        return [(here, _("This field is required.") if expected == 1 else _("At least %(n)s characters.") % {"n": expected})]
    if kind in ("maximum", "exclusiveMaximum"):
        return [(here, _("Must be at most %(n)s.") % {"n": expected})]
    if kind in ("minimum", "exclusiveMinimum"):
        return [(here, _("Must be at least %(n)s.") % {"n": expected})]
    if kind == "maxItems":
        return [(here, _("At most %(n)s items.") % {"n": expected})]
    if kind == "minItems":
        return [(here, _("At least %(n)s items.") % {"n": expected})]
    if kind == "uniqueItems":
        return [(here, _("The items must not repeat."))]
    if kind == "pattern":
        return [(here, _("Not in the expected form."))]
    return [(here, _("Not a valid value."))]
