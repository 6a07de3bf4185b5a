"""Checking submitted task data against its form; refusals name each field in the user's language.

Every problem is reported at once, so that a person fixes the whole form in one go: what the schema
refuses (types, formats, ``x-not-before``, fields the process fills in) and whom the form may not
name (``x-role``, names with no account) and which units (``x-unit``) end up in one ``InvalidData``.
"""

from django.utils.translation import gettext as _

from engine.data import refuse_nul
from engine.exceptions import InvalidData

from . import messages, people, registry, units


def problems(form_key: str, data) -> dict[str, list[str]]:
    """``{"field/path": [messages]}``: what the form's schema refuses in ``data`` (empty when it fits)."""
    if registry.missing([form_key]):
        raise InvalidData(_("The form '%(form)s' does not exist.") % {"form": form_key})
    ui_fields = registry.ui_fields(form_key)
    errors: dict[str, list[str]] = {}
    for error in registry.validator(form_key).iter_errors(data):
        for path, message in messages.explain(error, ui_fields):
            found = errors.setdefault(path, [])
            if message not in found:
                found.append(message)
    # An empty field breaks its pattern too, a field the process fills in may have the wrong type as
    # well: "required" or "cannot be changed" is all a person needs to hear.
    overriding = (_("This field is required."), str(messages.OTHERS["readOnly"]))
    for path, found in errors.items():
        errors[path] = next(([message] for message in overriding if message in found), found)
    return errors


def _refuse(errors: dict[str, list[str]]) -> None:
    if errors:
        raise InvalidData(_("Some fields are not filled in correctly."), errors=errors)


def validate(form_key: str, data) -> None:
    """Raise ``InvalidData`` (``errors = {"field/path": [messages]}``) unless ``data`` fits the form's schema."""
    _refuse(problems(form_key, data))


def validate_task(task, data) -> None:
    """The engine's FORM_VALIDATOR hook: the data must fit the task's form (any storable object when
    it has none), and the people it names must have an account and hold the roles the form asks for
    in the task's body. One refusal names every problem."""
    if not isinstance(data, dict):
        must = _("Must be %(type)s.") % {"type": messages.TYPE_NAMES["object"]}
        raise InvalidData(_("The data must be a JSON object."), errors={"": [must]})
    refuse_nul(data)
    if not task.form_key:
        return
    errors = problems(task.form_key, data)
    refused = set(errors)
    for found_problems in (people.problems(task.form_key, data, body=task.body, refused=refused),
                           units.problems(task.form_key, data, body=task.body, refused=refused)):
        for path, found in found_problems.items():
            errors.setdefault(path, []).extend(found)
    _refuse(errors)
