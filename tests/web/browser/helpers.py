"""Filling a task's form in the page as rendered from its schema: the fields a test names get its
values, every other required field a plausible one chosen by its widget, so a test follows changes
of the forms (a new required field, a field that became automatic) without being rewritten."""

from datetime import date, timedelta

FUTURE = (date.today() + timedelta(days=30)).isoformat()
#: Widgets with one input holding one value (a value already there, e.g. from the process, is kept).
ONE_VALUE = {"text", "textarea", "number", "date", "select", "user", "unit"}


def fill_form(page, values: dict | None = None) -> None:
    values = values or {}
    for name, value in values.items():
        _set(page, name, value)
    for field in page.locator("[data-field][data-required=true]").all():
        name = field.get_attribute("data-field")
        if name in values:
            continue
        widget = field.get_attribute("data-widget")
        if widget in ONE_VALUE and not _empty(page, name):
            continue
        _set(page, name, _plausible(page, name, widget))


def _empty(page, name: str) -> bool:
    return page.locator(f"#f-{name}").input_value() == ""


def _plausible(page, name: str, widget: str):
    if widget == "date":
        return FUTURE
    if widget == "number":
        return "1"
    if widget in ("select", "user", "unit"):
        options = [v for v in page.locator(f"#f-{name} option").evaluate_all("os => os.map(o => o.value)") if v]
        return options[0]
    if widget in ("radio", "users", "units", "organs"):
        return [page.locator(f"[data-field={name}] input").first.get_attribute("value")]
    if widget == "checkbox":
        return True
    return "Nội dung kiểm thử"


def _set(page, name: str, value) -> None:
    field = page.locator(f"[data-field={name}]")
    widget = field.get_attribute("data-widget")
    if widget == "checkbox":
        page.locator(f"#f-{name}").set_checked(bool(value))
    elif widget in ("radio", "users", "units", "organs"):
        for item in value if isinstance(value, list) else [value]:
            field.locator(f"input[value='{item}']").check()
    elif widget in ("select", "user", "unit"):
        page.locator(f"#f-{name}").select_option(str(value))
    else:
        page.locator(f"#f-{name}").fill(str(value))


def complete(page) -> None:
    page.click("button[name=action][value=complete]")
    page.wait_for_load_state()
