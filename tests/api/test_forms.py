"""Task forms through the API: field errors in Vietnamese, nothing stored; drafts kept and resumed."""

from datetime import timedelta

from django.utils import timezone

from engine.models import ProcessInstance, Task

from .test_flow import REGISTER, complete, open_task


def test_invalid_data_is_refused_per_field_and_nothing_is_stored(client_of):
    vanthu = client_of("vanthu")
    instance = vanthu.post("/api/v1/process-definitions/incoming_document/start/", {"data": {}}, format="json").json()
    receive = open_task(vanthu, instance["id"])
    vanthu.post(f"/api/v1/tasks/{receive['id']}/complete/", {"data": {"valid": True}}, format="json")
    register = open_task(vanthu, instance["id"])
    before = ProcessInstance.objects.values("state", "revision").get(pk=instance["id"])

    response = vanthu.post(f"/api/v1/tasks/{register['id']}/complete/", {"data": {
        "urgency": "rat_gap", "subject": "x" * 600, "issued_date": "31/12/2026", "page_amount": "ba", "color": "đỏ"}},
        format="json")

    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert set(errors) == {"urgency", "subject", "issued_date", "page_amount", "color", "organ_name"}
    assert errors["organ_name"] == ["Trường này là bắt buộc."]
    assert errors["urgency"][0].startswith("Phải là một trong")
    assert errors["issued_date"] == ["Phải đúng định dạng ngày (YYYY-MM-DD)."]
    assert errors["color"] == ["Trường này không có trong biểu mẫu."]
    assert ProcessInstance.objects.values("state", "revision").get(pk=instance["id"]) == before
    assert Task.objects.get(pk=register["id"]).status == "open"


def test_conditional_fields_and_list_items_are_checked(client_of):
    vanthu = client_of("vanthu")
    instance = vanthu.post("/api/v1/process-definitions/incoming_document/start/", {"data": {}}, format="json").json()
    receive = open_task(vanthu, instance["id"])

    refused = vanthu.post(f"/api/v1/tasks/{receive['id']}/complete/", {"data": {"valid": False}}, format="json")

    assert refused.status_code == 400 and list(refused.json()["errors"]) == ["reject_reason"]


def test_a_draft_is_kept_and_resumed_then_dropped_on_completion(client_of):
    vanthu = client_of("vanthu")
    instance = vanthu.post("/api/v1/process-definitions/incoming_document/start/", {"data": {}}, format="json").json()
    receive = open_task(vanthu, instance["id"])

    saved = vanthu.put(f"/api/v1/tasks/{receive['id']}/draft/", {"data": {"reject_reason": "đang kiểm tra"}},
                       format="json")
    assert saved.status_code == 200
    form = vanthu.get(f"/api/v1/tasks/{receive['id']}/").json()["form"]
    assert form["draft"] is True and form["data"] == {"reject_reason": "đang kiểm tra"}
    assert client_of("chuyenvien").put(f"/api/v1/tasks/{receive['id']}/draft/", {"data": {}},
                                       format="json").status_code == 404

    vanthu.post(f"/api/v1/tasks/{receive['id']}/complete/", {"data": {"valid": True}}, format="json")
    from forms.models import FormDraft
    assert not FormDraft.objects.exists()


def at_assign(client_of) -> tuple[dict, object]:
    """An incoming document presented to the Party Secretary: (his assign task, his client)."""
    vanthu, bithu = client_of("vanthu"), client_of("bithu")
    instance = vanthu.post("/api/v1/process-definitions/incoming_document/start/", {"data": {}}, format="json").json()
    complete(vanthu, open_task(vanthu, instance["id"]), {"valid": True})
    complete(vanthu, open_task(vanthu, instance["id"]), REGISTER)
    complete(vanthu, open_task(vanthu, instance["id"]), {"presented_to": "bithu"})
    return open_task(bithu, instance["id"]), bithu


def yesterday() -> str:
    return (timezone.localdate() - timedelta(days=1)).isoformat()


def test_a_past_deadline_and_a_co_handler_who_is_no_specialist_are_reported_together(client_of):
    assign, bithu = at_assign(client_of)

    response = bithu.post(f"/api/v1/tasks/{assign['id']}/complete/", {"data": {
        "lead_handler": "chuyenvien", "co_handlers": ["chuyenvien2", "vanthu"], "deadline": yesterday()}},
        format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"deadline": ["Không được là một ngày đã qua."],
                                         "co_handlers/1": ["Chỉ giao được cho chuyên viên của cơ quan."]}
    assert Task.objects.get(pk=assign["id"]).status == "open"


def test_a_bad_date_and_an_unknown_handler_are_reported_together(client_of):
    assign, bithu = at_assign(client_of)

    response = bithu.post(f"/api/v1/tasks/{assign['id']}/complete/", {"data": {
        "lead_handler": "nobody", "deadline": "06/12/2030"}}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"deadline": ["Phải đúng định dạng ngày (YYYY-MM-DD)."],
                                         "lead_handler": ["Không có tài khoản nào có tên đăng nhập nobody."]}


def test_every_kind_of_problem_comes_in_one_answer(client_of):
    assign, bithu = at_assign(client_of)

    response = bithu.post(f"/api/v1/tasks/{assign['id']}/complete/", {"data": {
        "instructions": 5, "lead_handler": "tuphap", "co_handlers": ["nobody", "chuyenvien2", "c v"],
        "deadline": yesterday()}}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "instructions": ["Phải là một chuỗi ký tự."],  # the schema
        "lead_handler": ["Chỉ giao được cho chuyên viên của cơ quan."],  # x-role: a specialist of another body
        "co_handlers/0": ["Không có tài khoản nào có tên đăng nhập nobody."],  # no such account
        "co_handlers/2": ["Tên đăng nhập chỉ gồm chữ, số và các ký tự . @ + - _"],  # the schema, not looked up
        "deadline": ["Không được là một ngày đã qua."],  # x-not-before
    }


def test_what_the_process_filled_in_cannot_be_overwritten(client_of):
    vanthu = client_of("vanthu")
    instance = vanthu.post("/api/v1/process-definitions/incoming_document/start/", {"data": {}}, format="json").json()
    receive = open_task(vanthu, instance["id"])
    before = ProcessInstance.objects.values("state", "revision").get(pk=instance["id"])

    response = vanthu.post(f"/api/v1/tasks/{receive['id']}/complete/", {"data": {
        "valid": False, "signature_check": {"checked": True, "verdict": "valid"}}}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"signature_check": ["Trường này do hệ thống điền, không được sửa."],
                                         "reject_reason": ["Trường này là bắt buộc."]}
    assert ProcessInstance.objects.values("state", "revision").get(pk=instance["id"]) == before
