"""Fields naming people (x-role): the work can only be handed to someone holding the role in the body."""

import pytest

from engine import services
from engine.exceptions import InvalidData
from engine.models import ProcessInstance
from forms import people

from .conftest import open_task, person


def test_the_forms_say_which_fields_name_whom():
    assert people.role_fields("incoming_present") == {"presented_to": "lanh_dao"}
    assert people.role_fields("incoming_assign") == {"lead_handler": "chuyen_vien", "co_handlers": "chuyen_vien"}
    assert people.role_fields("incoming_register") == {}


def test_the_clerk_presents_to_a_leader_of_the_committee(at_present):
    services.complete(at_present, data={"presented_to": "phobithu"}, actor=person("vanthu"))
    assign = open_task(at_present.instance)
    assert (assign.bpmn_id, assign.assignee.username) == ("assign", "phobithu")


@pytest.mark.parametrize("who", ["vanthu", "chanhvp", "chutich", "bithuchibo1"])
def test_the_clerk_cannot_present_to_someone_who_is_not_a_leader_of_the_committee(at_present, who):
    # given the open "present" step; when the clerk names herself, the head of office, the People's
    # Committee's chairman or a cell secretary
    before = ProcessInstance.objects.values("state", "revision").get(pk=at_present.instance_id)
    with pytest.raises(InvalidData) as raised:
        services.complete(at_present, data={"presented_to": who}, actor=person("vanthu"))

    # then the field is refused and nothing is stored
    assert raised.value.errors == {"presented_to": ["Chỉ trình được lãnh đạo của cơ quan."]}
    assert ProcessInstance.objects.values("state", "revision").get(pk=at_present.instance_id) == before
    assert open_task(at_present.instance).pk == at_present.pk


def test_an_unknown_name_is_refused_by_the_form_on_its_own_path(at_present):
    with pytest.raises(InvalidData) as raised:
        services.complete(at_present, data={"presented_to": "khong_ton_tai"}, actor=person("vanthu"))
    assert raised.value.errors == {"presented_to": ["Không có tài khoản nào có tên đăng nhập khong_ton_tai."]}


def test_unknown_names_and_people_without_the_role_are_told_apart(demo):
    data = {"lead_handler": "khong_ton_tai", "co_handlers": ["chuyenvien2", "vanthu", "ai_do"]}
    problems = people.problems("incoming_assign", data, body="dang_uy_xa")
    assert problems == {"lead_handler": ["Không có tài khoản nào có tên đăng nhập khong_ton_tai."],
                        "co_handlers/1": ["Chỉ giao được cho chuyên viên của cơ quan."],
                        "co_handlers/2": ["Không có tài khoản nào có tên đăng nhập ai_do."]}


def test_names_the_schema_refused_are_not_looked_up(demo, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert people.problems("incoming_present", {"presented_to": "bí thư"}, body="dang_uy_xa",
                               refused={"presented_to"}) == {}


def test_every_handler_must_be_a_specialist_of_the_body(demo):
    with pytest.raises(InvalidData) as raised:
        people.check("incoming_assign", {"lead_handler": "tuphap", "co_handlers": ["chuyenvien2", "vanthu"],
                                         "deadline": "2030-12-06"}, body="dang_uy_xa")
    assert raised.value.errors == {"lead_handler": ["Chỉ giao được cho chuyên viên của cơ quan."],
                                   "co_handlers/1": ["Chỉ giao được cho chuyên viên của cơ quan."]}
    people.check("incoming_assign", {"lead_handler": "chuyenvien", "co_handlers": ["chuyenvien2"]}, body="dang_uy_xa")


def test_the_default_message_names_the_role(demo, monkeypatch):
    from forms import registry

    fields = registry.ui_fields("incoming_present")
    monkeypatch.setitem(fields["presented_to"], "messages", {})
    with pytest.raises(InvalidData) as raised:
        people.check("incoming_present", {"presented_to": "vanthu"}, body="dang_uy_xa")
    assert raised.value.errors == {
        "presented_to": ["Không chọn được vanthu: người này không giữ vai trò lanh_dao trong cơ quan."]}


def test_checking_costs_two_queries(demo, django_assert_num_queries):
    with django_assert_num_queries(2):
        people.check("incoming_assign", {"lead_handler": "chuyenvien", "co_handlers": ["chuyenvien2"]},
                     body="dang_uy_xa")
