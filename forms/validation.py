"""Checking submitted task data against its form; refusals name each field in the user's language."""

from django.utils.translation import gettext as _

from engine.data import refuse_nul
from engine.exceptions import InvalidData

from . import messages, people, registry


def validate(form_key: str, data) -> None:
    """Raise ``InvalidData`` (``errors = {"field/path": [messages]}``) unless ``data`` fits the form.

    Every problem is reported at once, so a person can fix the whole form in one go.
    """
    if registry.missing([form_key]):
        raise InvalidData(_("The form '%(form)s' does not exist.") % {"form": form_key})
    ui_fields = registry.ui_fields(form_key)
    errors: dict[str, list[str]] = {}
    for error in registry.validator(form_key).iter_errors(data):
        for path, message in messages.explain(error, ui_fields):
            found = errors.setdefault(path, [])
            if message not in found:
                found.append(message)
    if errors:
        required = _("This field is required.")
        # An empty field breaks its pattern too; "required" is all a person needs to hear.
        errors = {path: [required] if required in found else found for path, found in errors.items()}
        raise InvalidData(_("Some fields are not filled in correctly."), errors=errors)


def validate_task(task, data) -> None:
    """The engine's FORM_VALIDATOR hook: the data must fit the task's form (any storable object when
    it has none), and the people it names must hold the roles the form asks for in the task's body."""
    if not isinstance(data, dict):
        must = _("Must be %(type)s.") % {"type": messages.TYPE_NAMES["object"]}
        raise InvalidData(_("The data must be a JSON object."), errors={"": [must]})
    refuse_nul(data)
    if not task.form_key:
        return
    validate(task.form_key, data)
    people.check(task.form_key, data, body=task.body)
