"""Task forms in the page: every form file renders with every widget it uses, and a submitted HTML
form becomes the JSON data the server validation expects (typed, empty inputs left out)."""

from datetime import datetime, timedelta

import pytest
from django.http import QueryDict

from engine import calendar
from forms import registry, validation
from web import deadlines, taskforms


def post(**values) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in values.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return query


@pytest.mark.parametrize("key", sorted(registry.keys()))
def test_every_form_renders_every_field(key):
    form = registry.get(key)
    shown = taskforms.fields(form, data={}, errors={})
    assert [f.name for f in shown] == form["ui"]["order"]
    assert all(f.label and f.widget in registry.WIDGETS for f in shown)


def test_a_submitted_form_is_typed_as_its_schema_says():
    form = registry.get("incoming_register")
    data = taskforms.submitted(form, post(organ_name=" Tỉnh ủy ", subject="Trích yếu", page_amount="12",
                                          urgency="khan", description="", code_number=""))
    assert data == {"organ_name": "Tỉnh ủy", "subject": "Trích yếu", "page_amount": 12, "urgency": "khan"}
    assert validation.problems("incoming_register", data) == {}


def test_what_cannot_be_typed_is_left_to_the_server_to_name():
    form = registry.get("incoming_register")
    data = taskforms.submitted(form, post(organ_name="Tỉnh ủy", subject="x", urgency="khan", page_amount="ba"))
    assert data["page_amount"] == "ba"
    problems = validation.problems("incoming_register", data)
    assert list(problems) == ["page_amount"]
    shown = {f.name: f for f in taskforms.fields(form, data=data, errors=problems)}
    assert shown["page_amount"].errors == problems["page_amount"] and not shown["subject"].errors


def test_checkboxes_lists_and_read_only_fields():
    receive = registry.get("incoming_receive")
    assert taskforms.submitted(receive, post(signature_check="{}")) == {"valid": False, "wrong_recipient": False}
    assert taskforms.submitted(receive, post(valid="1"))["valid"] is True
    assign = registry.get("incoming_assign")
    data = taskforms.submitted(assign, post(co_handlers=["chuyenvien", "chuyenvien2"], lead_handler=""))
    assert data["co_handlers"] == ["chuyenvien", "chuyenvien2"] and "lead_handler" not in data


def test_recipients_ticked_and_typed_become_one_list_of_codes():
    form = registry.get("outgoing_draft")
    data = taskforms.submitted(form, post(recipients=["101.25.41.A41", " 000.00.00.G22, 101.25.41.A41;002.25.41.A41 "]))
    assert data["recipients"] == ["101.25.41.A41", "000.00.00.G22", "002.25.41.A41"]  # each once, in order
    assert "recipients" not in taskforms.submitted(form, post(recipients=["", " "]))
    known = [taskforms.Choice("101.25.41.A41", "Chi bộ 1", "101.25.41.A41")]
    field = next(f for f in taskforms.fields(form, data={"recipients": ["101.25.41.A41", "000.00.00.G22"]},
                                             organs=known) if f.name == "recipients")
    assert field.widget == "organs" and [c.value for c in field.choices] == ["101.25.41.A41", "000.00.00.G22"]
    assert field.text == "Chi bộ 1, 000.00.00.G22"


@pytest.mark.parametrize(("value", "kind"), [
    (None, "empty"), ({"checked": False}, "signatures"), ({"findings": [], "ok": True}, "findings"), (2, "value")])
def test_a_report_field_shows_what_it_holds(value, kind):
    field = taskforms.Field(name="x", label="x", widget="report", value=value)
    assert field.report_kind == kind


def test_a_chosen_person_outside_the_list_stays_shown():
    form = registry.get("incoming_present")
    people = {"presented_to": [{"username": "bithu", "display_name": "Nguyễn Văn Bình", "positions": []}]}
    field = taskforms.fields(form, data={"presented_to": "ai_do"}, people=people)[0]
    assert [c.value for c in field.choices] == ["bithu", "ai_do"] and field.selected == {"ai_do"}


def test_deadlines_in_working_days(db):
    now = datetime(2026, 12, 4, 9, 0, tzinfo=calendar.TZ)  # a Friday
    monday = deadlines.deadline(datetime(2026, 12, 7, 17, 0, tzinfo=calendar.TZ), now=now)
    assert (monday.state, monday.working_days) == ("soon", 1)
    later = deadlines.deadline(datetime(2026, 12, 11, 17, 0, tzinfo=calendar.TZ), now=now)
    assert (later.state, later.working_days, later.text) == ("later", 5, "còn 5 ngày làm việc")
    today = deadlines.deadline(now + timedelta(hours=8), now=now)
    assert (today.state, today.text) == ("today", "hạn hôm nay")
    late = deadlines.deadline(datetime(2026, 12, 1, 17, 0, tzinfo=calendar.TZ), now=now)
    assert (late.state, late.text) == ("overdue", "quá hạn 3 ngày làm việc")
    assert deadlines.deadline(None) is None
