"""Task forms through the API: field errors in Vietnamese, nothing stored; drafts kept and resumed."""

from engine.models import ProcessInstance, Task

from .test_flow import open_task


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
