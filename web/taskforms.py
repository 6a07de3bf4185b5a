"""A task's JSON Schema form as HTML fields, and a submitted HTML form back as the JSON data the
engine checks. Nothing is validated here: the server validation the API runs (``forms.validation``
through ``engine.services.complete``) says what is wrong, field by field, and the page shows it
beside each field. Empty inputs are left out of the data, so "required" is reported as such."""

import re
from dataclasses import dataclass, field

from django.http import QueryDict
from django.utils.translation import gettext as _

#: Widgets whose input is a list of values (checkboxes, and for ``organs`` a box of typed codes too).
LIST_WIDGETS = {"users", "units", "organs"}
#: What separates the codes typed into an ``organs`` field's box.
CODE_SEPARATORS = re.compile(r"[\s,;]+")
#: Widgets whose input is one line of text in the page.
TEXT_INPUTS = {"text": "text", "number": "text", "date": "date"}  # numbers: the server says what is wrong


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    detail: str = ""


@dataclass
class Field:
    name: str
    label: str
    widget: str
    help: str = ""
    required: bool = False
    value: object = None
    errors: list[str] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    max_length: int | None = None
    minimum: int | float | None = None
    maximum: int | float | None = None
    #: The label of the empty choice, when the enum has one (e.g. "not confidential").
    blank_label: str = ""

    @property
    def input_type(self) -> str:
        return TEXT_INPUTS.get(self.widget, "text")

    @property
    def selected(self) -> set[str]:
        """The values chosen, as strings (for select, radio, user and users)."""
        if isinstance(self.value, list):
            return {str(item) for item in self.value}
        return set() if self.value in (None, "") else {str(self.value)}

    @property
    def text(self) -> str:
        """The value as a person reads it, for a form shown read-only."""
        labels = {choice.value: choice.label for choice in self.choices}
        if isinstance(self.value, bool):
            return _("Yes") if self.value else _("No")
        if isinstance(self.value, list):
            return ", ".join(labels.get(str(item), str(item)) for item in self.value)
        if self.value in (None, ""):
            return "—"
        return labels.get(str(self.value), str(self.value))

    @property
    def report_kind(self) -> str:
        """What a ``report`` field holds: a signature check (``checked``), a list of findings (the
        format check: ``findings``), nothing yet (``empty``), or a plain value."""
        if self.value in (None, "", {}, []):
            return "empty"
        if isinstance(self.value, dict) and "checked" in self.value:
            return "signatures"
        if isinstance(self.value, dict) and isinstance(self.value.get("findings"), list):
            return "findings"
        return "value"

    @property
    def findings(self) -> list[dict]:
        """A findings report's entries (each with ``message`` and maybe ``expected``)."""
        found = self.value.get("findings") if isinstance(self.value, dict) else None
        return [item for item in found or [] if isinstance(item, dict)]

    @property
    def report_items(self) -> list[tuple[str, str]]:
        """A read-only report (a dict the process put in the data) as (key, text) lines."""
        if not isinstance(self.value, dict):
            return []
        return [(key, str(value)) for key, value in self.value.items()
                if key != "summary" and not isinstance(value, dict | list) and value not in (None, "")]


def _type(prop: dict) -> str:
    kind = prop.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    return kind


def _widget(prop: dict, hints: dict) -> str:
    if "widget" in hints:
        return hints["widget"]
    return {"boolean": "checkbox", "integer": "number", "number": "number", "array": "users"}.get(_type(prop), "text")


def _people_choices(people: list[dict], value) -> list[Choice]:
    choices = [Choice(person["username"], person["display_name"],
                      "; ".join(p["title"] for p in person.get("positions", [])))
               for person in people]
    known = {choice.value for choice in choices}
    current = value if isinstance(value, list) else [value]
    choices += [Choice(str(item), str(item)) for item in current if item not in (None, "") and str(item) not in known]
    return choices


def _unit_choices(units: dict[str, str], value) -> list[Choice]:
    choices = [Choice(code, name) for code, name in units.items()]
    current = value if isinstance(value, list) else [value]
    return choices + [Choice(str(item), str(item)) for item in current if item not in (None, "") and item not in units]


def _organ_choices(organs: list[Choice], value) -> list[Choice]:
    """The known recipients, then the codes the value holds that none of them has (typed ones)."""
    known = {choice.value for choice in organs}
    current = value if isinstance(value, list) else [value]
    return list(organs) + [Choice(str(item), str(item)) for item in current
                           if item not in (None, "") and str(item) not in known]


def fields(form: dict, *, data: dict, errors: dict[str, list[str]] | None = None,
           people: dict[str, list[dict]] | None = None, units: dict[str, dict[str, str]] | None = None,
           organs: list[Choice] | None = None) -> list[Field]:
    """The form's fields in ``ui.order`` with the values of ``data`` and the messages of ``errors``
    (``{"field/path": [messages]}``); ``people`` and ``units`` give the candidates of the fields that
    name people or units, ``organs`` the recipients an ``organs`` field offers (``web.organs``)."""
    schema, ui = form["schema"], form["ui"]
    properties, required = schema.get("properties", {}), set(schema.get("required", []))
    errors, people, units, organs = errors or {}, people or {}, units or {}, organs or []
    found = []
    for name in ui["order"]:
        prop, hints = properties.get(name, {}), ui["fields"].get(name, {})
        widget = _widget(prop, hints)
        value = data.get(name)
        blank_label = ""
        if widget in ("user", "users"):
            choices = _people_choices(people.get(name, []), value)
        elif widget in ("unit", "units"):
            choices = _unit_choices(units.get(name, {}), value)
        elif widget == "organs":
            choices = _organ_choices(organs, value)
        else:
            labels = hints.get("choices", {})
            enum = prop.get("enum", [])
            choices = [Choice(str(option), str(labels.get(option, option))) for option in enum if option != ""]
            blank_label = str(labels.get("", "")) if "" in enum else ""
        messages = [m for path, found_messages in errors.items() if path.split("/", 1)[0] == name
                    for m in found_messages]
        found.append(Field(
            name=name, label=hints.get("label", name), widget=widget, help=hints.get("help", ""),
            required=name in required, value=value, errors=messages, choices=choices,
            max_length=prop.get("maxLength"), minimum=prop.get("minimum"), maximum=prop.get("maximum"),
            blank_label=blank_label))
    return found


def form_errors(form: dict, errors: dict[str, list[str]]) -> list[str]:
    """Messages that belong to no field of the form (about the data as a whole)."""
    names = set(form["ui"]["order"])
    return [m for path, messages in errors.items() if path.split("/", 1)[0] not in names for m in messages]


def _number(text: str, kind: str):
    try:
        return int(text) if kind == "integer" else float(text) if "." in text else int(text)
    except ValueError:
        return text  # the schema's check names the field and says a number is expected


def submitted(form: dict, post: QueryDict) -> dict:
    """The JSON data a submitted HTML form stands for: typed as the schema says, empty inputs left
    out, fields the process fills in (``readOnly``) never taken from the page."""
    data: dict = {}
    properties = form["schema"].get("properties", {})
    for name in form["ui"]["order"]:
        prop, hints = properties.get(name, {}), form["ui"]["fields"].get(name, {})
        widget, kind = _widget(prop, hints), _type(prop)
        if prop.get("readOnly") or widget == "report":
            continue
        if widget == "checkbox":
            data[name] = name in post
            continue
        if widget in LIST_WIDGETS or kind == "array":
            items = [item.strip() for item in post.getlist(name) if item.strip()]
            if widget == "organs":  # the ticked codes and those typed in its box, each once
                items = list(dict.fromkeys(code for item in items for code in CODE_SEPARATORS.split(item) if code))
            if items:
                data[name] = items
            continue
        text = post.get(name, "").strip() if widget != "textarea" else post.get(name, "")
        if not text.strip():
            continue
        data[name] = _number(text, kind) if kind in ("integer", "number") else text
    return data
