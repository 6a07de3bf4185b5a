"""Starting a process: it needs a body someone can work in, its times agree, and whoever started it
sees how it ended and why (issue 11, points 4 and 5)."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from engine.models import AuditEvent, ProcessInstance

from .test_flow import complete, open_task

START = "/api/v1/process-definitions/incoming_document/start/"
OUTGOING = "/api/v1/process-definitions/outgoing_document/start/"


def test_who_may_start_in_several_bodies_is_asked_which(client_of):
    # the Party specialist drafts for the Party Committee or for her own board (the demo's chuyenvien)
    chuyenvien = client_of("chuyenvien")

    refused = chuyenvien.post(OUTGOING, {"data": {}}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert refused.status_code == 400, refused.content
    assert refused["Content-Type"] == "application/problem+json"
    problem = refused.json()
    assert problem["type"].endswith("/body_required")
    assert problem["bodies"] == [{"code": "ban_xay_dung_dang", "name": "Ban Xây dựng Đảng Đảng ủy xã"},
                                 {"code": "dang_uy_xa", "name": "Đảng ủy xã Vĩnh An"}]
    assert problem["detail"].startswith("You may start") and "“body”" in problem["detail"]
    assert "dang_uy_xa" in problem["errors"]["body"][0] and "ban_xay_dung_dang" in problem["errors"]["body"][0]
    assert not ProcessInstance.objects.exists()
    # in Vietnamese by default, the same choices
    again = chuyenvien.post(OUTGOING, {"data": {}}, format="json")
    assert again.status_code == 400 and again.json()["title"] == "Yêu cầu không hợp lệ"
    assert again.json()["bodies"] == problem["bodies"]

    # naming one of them starts it there; an empty name asks again
    started = chuyenvien.post(OUTGOING, {"data": {}, "body": "dang_uy_xa"}, format="json")
    assert started.status_code == 201, started.content
    assert started.json()["body"] == "dang_uy_xa"
    assert chuyenvien.post(OUTGOING, {"data": {}, "body": ""}, format="json").json()["type"].endswith("/body_required")


def test_who_may_start_in_one_body_starts_there_unasked(client_of):
    # the clerk holds van_thu in the Party Committee alone; the board's head drafts only for the Committee
    started = client_of("vanthu").post(START, {"data": {}}, format="json")
    assert started.status_code == 201, started.content
    assert started.json()["body"] == "dang_uy_xa"
    drafted = client_of("truongbanxdd").post(OUTGOING, {"data": {}}, format="json")
    assert drafted.status_code == 201, drafted.content
    assert drafted.json()["body"] == "dang_uy_xa"


def test_who_may_start_it_nowhere_is_refused_on_record(client_of):
    denials = AuditEvent.objects.filter(stream="access", action="access_denied", after__status=403).count()

    refused = client_of("tuphap").post(START, {"data": {}}, format="json")

    assert refused.status_code == 403, refused.content
    assert refused.json()["type"].endswith("/not_allowed") and "bodies" not in refused.json()
    assert AuditEvent.objects.filter(stream="access", action="access_denied", after__status=403).count() == denials + 1
    assert not ProcessInstance.objects.exists()


def test_an_administrator_without_a_role_must_name_the_body(client_of):
    admin = client_of("admin")

    refused = admin.post(START, {"data": {}}, format="json")

    assert refused.status_code == 400, refused.content
    assert "body" in refused.json()["errors"]
    assert not ProcessInstance.objects.exists()
    started = admin.post(START, {"data": {}, "body": "dang_uy_xa"}, format="json")
    assert started.status_code == 201, started.content
    assert started.json()["body"] == "dang_uy_xa"
    # the first task is the body's clerk's to take
    assert open_task(client_of("vanthu"), started.json()["id"])["bpmn_id"] == "receive"


def test_a_start_nobody_in_the_body_could_work_is_refused_with_the_reason(client_of):
    # Cell 2 has no clerk in the demo: the document would wait for ever, seen by nobody
    refused = client_of("admin").post(START, {"data": {}, "body": "chi_bo_02"}, format="json")

    assert refused.status_code == 400, refused.content
    problem = refused.json()
    assert "van_thu" in problem["detail"] and "chi_bo_02" in problem["detail"]
    assert "van_thu" in problem["errors"]["body"][0]
    assert not ProcessInstance.objects.exists()


def test_a_process_that_ends_at_once_has_consistent_times_and_says_why(client_of):
    # given a clerk who uploads a file that is not a readable PDF: its verification fails
    vanthu = client_of("vanthu")
    upload = SimpleUploadedFile("132-CV-TU.pdf", b"not a pdf at all", content_type="application/pdf")
    report = vanthu.post("/api/v1/signing/verifications/", {"file": upload}, format="multipart")
    assert report.status_code == 201 and report.json()["verdict"] == "invalid"

    # when the incoming document is started with it, it is returned at once, without registration
    started = vanthu.post(START, {"data": {"verification_id": report.json()["id"]}}, format="json")
    assert started.status_code == 201, started.content
    instance = ProcessInstance.objects.get(pk=started.json()["id"])
    assert instance.status == "completed"
    assert instance.started_at <= instance.ended_at < instance.started_at + timedelta(seconds=5)

    # then the clerk who started it sees how it ended and why
    seen = vanthu.get(f"/api/v1/process-instances/{instance.pk}/").json()
    assert seen["outcome"] == "Đã trả lại nơi gửi"
    assert seen["data"]["reject_reason"].startswith("Chữ ký số không hợp lệ.")


def test_the_clerk_who_returned_a_document_sees_why_afterwards(client_of):
    vanthu = client_of("vanthu")
    instance = vanthu.post(START, {"data": {}}, format="json").json()
    complete(vanthu, open_task(vanthu, instance["id"]), {"valid": False, "reject_reason": "Gửi nhầm cơ quan"})

    seen = vanthu.get(f"/api/v1/process-instances/{instance['id']}/").json()

    assert (seen["status"], seen["outcome"]) == ("completed", "Đã trả lại nơi gửi")
    assert seen["data"]["reject_reason"] == "Gửi nhầm cơ quan"
    assert seen["started_at"] <= seen["ended_at"]
