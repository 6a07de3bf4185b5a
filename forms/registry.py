"""The task forms: one JSON file per form key in ``forms/schemas``, read and checked once.

A file ``<form_key>.json`` holds ``title``, ``version``, ``schema`` (JSON Schema draft 2020-12:
what the data must be) and ``ui`` (how to show it: the ``order`` of the fields and, per field, a
Vietnamese ``label``, a ``widget``, ``help``, ``choices`` labels, ``messages``). BPMN user tasks
name their form with the ``formKey`` property; a deploy naming a missing form is refused through
the engine's ``KNOWN_FORMS`` hook (``keys``). See docs/FORMS.md.
"""

import copy
import functools
import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import SchemaError, ValidationError

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
#: How a field is shown; ``report`` shows a read-only verification report the process put in the
#: data; ``unit``/``units`` pick among the units of the task's body (``x-unit``, ``forms.units``);
#: ``organs`` picks recipients by identification code (an array of strings): the pages offer the known
#: bodies and peers' codes and accept typed ones; the schema's pattern is still what is checked.
WIDGETS = {"text", "textarea", "number", "date", "checkbox", "select", "radio", "user", "users", "unit", "units",
           "organs", "report"}


class FormDefinitionError(ImproperlyConfigured):
    """A form file is broken: the message names the file and what is wrong."""


@functools.cache
def _forms() -> dict[str, dict]:
    forms = {}
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        try:
            form = json.loads(path.read_text(encoding="utf-8"))
            _check(form)
        except (ValueError, SchemaError, KeyError, TypeError, FormDefinitionError) as err:
            raise FormDefinitionError(f"{path.name}: {err}") from err
        forms[path.stem] = form
    return forms


def _need(condition: bool, problem: str) -> None:
    if not condition:
        raise FormDefinitionError(problem)


def _check(form: dict) -> None:
    """What every form file must satisfy beyond being JSON: a valid object schema that refuses
    unknown fields, and a label for each field, so a form cannot ship half-described."""
    _need(isinstance(form["title"], str) and bool(form["title"]), "a title is required")
    _need(isinstance(form["version"], int) and form["version"] >= 1, "version must be a positive integer")
    schema, ui = form["schema"], form["ui"]
    Draft202012Validator.check_schema(schema)
    _need(schema.get("type") == "object" and schema.get("additionalProperties") is False,
          "the schema must be an object with additionalProperties: false")
    fields = set(schema.get("properties", {}))
    _need(len(ui["order"]) == len(set(ui["order"])) and set(ui["order"]) == fields,
          "ui.order must list every field once")
    _need(set(ui["fields"]) <= fields, f"ui.fields names unknown fields: {sorted(set(ui['fields']) - fields)}")
    for name in sorted(fields):
        hints = ui["fields"].get(name, {})
        _need(bool(hints.get("label")), f"field {name!r} has no label")
        _need(hints.get("widget", "text") in WIDGETS, f"field {name!r}: unknown widget {hints.get('widget')!r}")
        if "choices" in hints:
            enum = schema["properties"][name].get("enum")
            _need(enum is not None and set(hints["choices"]) == set(enum), f"field {name!r}: choices must match enum")


def _form(form_key: str) -> dict | None:
    return _forms().get(form_key)


def _not_before(validator, value, instance, schema):
    """``"x-not-before": "today"`` on a date field: a deadline set in the past is a slip of the
    hand (today in Vietnam time; an ill-formed date is left to ``format``)."""
    if value != "today" or not isinstance(instance, str):
        return
    try:
        day = date.fromisoformat(instance)
    except ValueError:
        return
    if day < timezone.localdate():
        yield ValidationError(f"{instance} is before today")


def _read_only(validator, value, instance, schema):
    """``"readOnly": true`` marks what the process put in the data for the person to read (a signature
    verification report); submitting it would overwrite process data they must not change. Reached
    only for a field that is present."""
    if value is True:
        yield ValidationError("is filled in by the process")


#: Draft 2020-12 with our keywords (``x-role`` is checked apart: it needs the directory); ``readOnly``
#: refuses instead of only annotating.
FormValidator = validators.extend(Draft202012Validator, {"x-not-before": _not_before, "readOnly": _read_only})


@functools.cache
def validator(form_key: str) -> Draft202012Validator:
    """The compiled validator of a form (formats checked: date, date-time, email…)."""
    form = _form(form_key)
    if form is None:
        raise KeyError(form_key)
    return FormValidator(form["schema"], format_checker=FormatChecker())


def get(form_key: str) -> dict | None:
    """A copy of the form definition (``title``, ``version``, ``schema``, ``ui``), or None."""
    form = _form(form_key)
    return copy.deepcopy(form) if form is not None else None


def ui_fields(form_key: str) -> dict[str, dict]:
    """The per-field UI hints (read-only: shared)."""
    form = _form(form_key)
    return form["ui"]["fields"] if form else {}


def schema_properties(form_key: str) -> dict[str, dict]:
    """The top-level properties of a form's schema (read-only: shared)."""
    form = _form(form_key)
    return form["schema"].get("properties", {}) if form else {}


def keys() -> set[str]:
    """The form keys BPMN may name: the engine's ``KNOWN_FORMS`` hook."""
    return set(_forms())


def fields(form_key: str) -> tuple[set[str], set[str]] | None:
    """The engine's ``FORM_FIELDS`` hook: the fields a form's data may hold and those it always
    holds (``required``), so a deploy can warn about a condition on a field that may be left out."""
    form = _form(form_key)
    if form is None:
        return None
    schema = form["schema"]
    return set(schema.get("properties", {})), set(schema.get("required", []))


def missing(form_keys: Iterable[str]) -> set[str]:
    """The given form keys that have no form: what a deploy should refuse."""
    return {key for key in form_keys if key and key not in _forms()}


def reload() -> None:
    """Forget what was read (tests, or after editing files in a running shell)."""
    _forms.cache_clear()
    validator.cache_clear()
