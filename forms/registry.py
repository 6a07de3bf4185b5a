"""The task forms: one JSON file per form key in ``forms/schemas``, read once.

A file holds ``title``, ``schema`` (JSON Schema draft 2020-12: what the data must be) and ``ui``
(how to show it: ``order`` of the fields, and per field a Vietnamese ``label``, ``widget``,
``help``, ``choices`` labels). A user task names its form with the ``formKey`` property.
"""

import functools
import json
from pathlib import Path

from jsonschema import Draft202012Validator

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


@functools.cache
def all_forms() -> dict[str, dict]:
    forms = {}
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        form = json.loads(path.read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(form["schema"])
        forms[path.stem] = form
    return forms


def get(form_key: str) -> dict | None:
    return all_forms().get(form_key)


def keys() -> set[str]:
    """For the engine's deploy check: the form keys BPMN may name."""
    return set(all_forms())
