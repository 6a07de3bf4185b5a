"""Acceptance scenarios S01, S02, S03, S04 and S07 (BRIEF §8) for the incoming-document procedure,
driven through the REST API by the demo commune's people, with the clock set to the minute
(`time_machine`) so deadlines are checked to the day across weekends and the National Day.

The timers fire through ``engine.timers.fire_all_due`` — what the Celery beat does every minute.
"""

import io

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from documents import records
from documents.models import Direction, Document, DocumentFile, NumberEntry, Register
from engine import timers
from engine.models import AuditEvent, Notification, ProcessInstance, Task

from ..vn_time import at, fresh_calendar  # noqa: F401 - the fixture, used through pytestmark

PARTY = "dang_uy_xa"
START = "/api/v1/process-definitions/incoming_document/start/"


pytestmark = pytest.mark.usefixtures("fresh_calendar")


def start(client, data, body=None, expected=201):
    payload = {"data": data, **({"body": body} if body else {})}
    response = client.post(START, payload, format="json")
    assert response.status_code == expected, response.content
    return response.json()


def task_of(client, instance_id, bpmn_id):
    tasks = [t for t in client.get("/api/v1/tasks/?page_size=100").json()["results"]
             if t["instance"] == instance_id and t["bpmn_id"] == bpmn_id]
    assert len(tasks) == 1, (bpmn_id, tasks)
    return tasks[0]


def complete(client, instance_id, bpmn_id, data, expected=200):
    task = task_of(client, instance_id, bpmn_id)
    response = client.post(f"/api/v1/tasks/{task['id']}/complete/", {"data": data}, format="json")
    assert response.status_code == expected, response.content
    return response.json()


def notices(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("user__username", flat=True))


def document_of(instance_id) -> Document:
    return Document.objects.get(processes__instance_id=instance_id)


def follow_up(client, register: Register, since: str, until: str) -> list[tuple]:
    response = client.get(f"/api/v1/registers/{register.pk}/report/?kind=follow_up&since={since}&until={until}"
                          "&output=xlsx")
    assert response.status_code == 200, response.content
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else
                                     response.content)).active
    return [tuple(cell for cell in row) for row in sheet.iter_rows(values_only=True)]


REGISTERED = {"urgency": "thuong", "organ_name": "Tỉnh ủy Quảng Trị", "code_number": "132", "code_notation": "CV/TU",
              "document_type": "cong_van", "subject": "V/v triển khai ứng dụng Sổ tay đảng viên điện tử"}


# --- S01 ------------------------------------------------------------------------------------------
def test_s01_signed_cong_van_from_the_tinh_uy_is_registered_presented_assigned_and_done_on_time(
        client_of, trusted, sealed):
    vanthu, bithu = client_of("vanthu"), client_of("bithu")
    truongban, chuyenvien, chanhvp = client_of("truongbanxdd"), client_of("chuyenvien"), client_of("chanhvp")
    # the PDF is verified as it is uploaded, against today's CRLs of the test PKI (made today)
    upload = vanthu.post("/api/v1/signing/verifications/",
                         {"file": SimpleUploadedFile("132-CV-TU.pdf", sealed, content_type="application/pdf")},
                         format="multipart")
    assert upload.status_code == 201 and upload.json()["valid"] is True  # signature and integrity pass
    with time_machine.travel(at(2026, 8, 28, 9, 10), tick=False):  # Friday D, 09:10
        instance = start(vanthu, {"verification_id": upload.json()["id"], "subject": REGISTERED["subject"],
                                  "organ_name": REGISTERED["organ_name"]})
        complete(vanthu, instance["id"], "receive", {"valid": True})
        complete(vanthu, instance["id"], "register", REGISTERED)
        document = document_of(instance["id"])
        # fields 12 and 13 filled automatically: the next arrival number of the Party Committee's incoming register
        assert document.arrival_number == 1 and document.arrival_date == at(2026, 8, 28, 9, 10)
        assert (document.register.body.code, document.register.direction, document.register.secret) == (
            PARTY, Direction.INCOMING, False)
        assert NumberEntry.objects.get(document=document).number == 1
        listed = vanthu.get(f"/api/v1/registers/{document.register.pk}/entries/").json()
        assert [row["number"] for row in listed["results"]] == [1]
        # presented the same day
        complete(vanthu, instance["id"], "present", {"presented_to": "bithu"})

    with time_machine.travel(at(2026, 8, 28, 10, 0), tick=False):
        # the default deadline of a công văn is 5 working days: 31/8, 1/9, 2/9 are days off
        assign = bithu.get(f"/api/v1/tasks/{task_of(bithu, instance['id'], 'assign')['id']}/").json()
        assert assign["form"]["data"]["deadline"] == "2026-09-09"
        units = {unit["code"]: unit["name"] for unit in assign["form"]["units"]["lead_unit"]}
        assert units["ban_xay_dung_dang"] == "Ban Xây dựng Đảng Đảng ủy xã" and "phong_kinh_te" not in units
        complete(bithu, instance["id"], "assign", {"lead_unit": "ban_xay_dung_dang", "co_units": ["van_phong_dang_uy"],
                                                   "instructions": "Ban Xây dựng Đảng chủ trì, Văn phòng phối hợp"})
        complete(truongban, instance["id"], "distribute", {"lead_handler": "chuyenvien"})
    handle = task_of(chuyenvien, instance["id"], "handle")
    assert handle["due_at"].startswith("2026-09-09T17:00:00")
    with time_machine.travel(at(2026, 9, 8, 14), tick=False):
        complete(chuyenvien, instance["id"], "handle", {"outcome": "done",
                                                        "result_summary": "Đã dự thảo công văn trả lời"})
        complete(chuyenvien, instance["id"], "report", {"report": "Đã triển khai tới 34 chi bộ"})
        complete(chanhvp, instance["id"], "cooperate", {"opinion": "Văn phòng đã chuẩn bị tài liệu hướng dẫn"})
        complete(bithu, instance["id"], "close", {"conclusion": "Hoàn thành"})
    assert bithu.get(f"/api/v1/process-instances/{instance['id']}/").json()["status"] == "completed"
    document.refresh_from_db()
    assert document.status == "done"

    # every step on record, and the document "on time" in the follow-up report
    history = bithu.get(f"/api/v1/process-instances/{instance['id']}/events/?page_size=200").json()["results"]
    assert {"document_received", "document_registered", "task_completed"} <= {e["action"] for e in history}
    rows = follow_up(vanthu, document.register, "2026-08-01", "2026-09-30")
    mine = [r for r in rows if r and "Công văn 132-CV/TU, Tỉnh ủy Quảng Trị" in r]
    # under the lead unit and the co-operating one, handled on time
    assert {r[3] for r in mine} == {"Ban Xây dựng Đảng Đảng ủy xã", "Văn phòng Đảng ủy xã"}, mine
    assert all("Giải quyết đúng hạn" in r for r in mine), mine


def test_s01_failure_presentation_late_escalates_to_the_head_of_office(client_of):
    vanthu = client_of("vanthu")
    with time_machine.travel(at(2026, 12, 3, 9, 10), tick=False):  # Thursday D
        instance = start(vanthu, {"subject": REGISTERED["subject"], "organ_name": "Tỉnh ủy"})
        complete(vanthu, instance["id"], "receive", {"valid": True})
        complete(vanthu, instance["id"], "register", REGISTERED)
    assert ProcessInstance.objects.get(pk=instance["id"]).next_timer_at == at(2026, 12, 4, 17)  # end of D+1 WD

    with time_machine.travel(at(2026, 12, 4, 16, 59), tick=False):
        timers.fire_all_due()
    assert notices("escalation") == []
    with time_machine.travel(at(2026, 12, 4, 17, 0, 1), tick=False):
        timers.fire_all_due()
    assert notices("escalation") == ["chanhvp"]  # the Chánh Văn phòng
    assert task_of(vanthu, instance["id"], "present")["status"] == "open"  # still to present, now flagged
    events = client_of("bithu").get(f"/api/v1/process-instances/{instance['id']}/events/?page_size=100").json()
    [flagged] = [e for e in events["results"] if e["action"] == "flagged"]
    assert flagged["after"]["flag"] == "late_presentation" and "Điều 23.1" in flagged["after"]["detail"]


# --- S02 ------------------------------------------------------------------------------------------
def duty_of(day) -> tuple[str, str]:
    from directory.models import Duty  # the demo roster of the day

    duty = Duty.objects.select_related("leader", "deputy").get(body__code=PARTY, day=day)
    return duty.leader.username, duty.deputy.username


def test_s02_hoa_toc_goes_to_the_leader_on_duty_at_once_and_to_the_deputy_after_the_sla(client_of):
    vanthu = client_of("vanthu")
    friday = at(2026, 11, 27, 16, 50)
    leader, deputy = duty_of(friday.date())
    with time_machine.travel(friday, tick=False):  # Friday 16:50, Hỏa tốc from the sender
        instance = start(vanthu, {"subject": "Công điện hỏa tốc về phòng chống bão", "organ_name": "Tỉnh ủy",
                                  "urgency": "hoa_toc"})
        complete(vanthu, instance["id"], "receive", {"valid": True})
        # the sender's urgency cannot be lowered at registration
        lowered = complete(vanthu, instance["id"], "register", {**REGISTERED, "urgency": "khan"}, expected=400)
        assert "urgency" in lowered["errors"] and "không được hạ" in lowered["detail"].lower()
        complete(vanthu, instance["id"], "register", {**REGISTERED, "urgency": "hoa_toc"})

    # registered and passed on at once: no presentation step, straight to the leader on duty, notified
    flash = task_of(client_of(leader), instance["id"], "assign_flash")
    assert flash["assignee"] == leader and flash["priority"] == 3
    assert flash["created_at"].startswith("2026-11-27T16:50")
    assert flash["due_at"].startswith("2026-11-27T18:50")  # the SLA (2 hours), not Monday
    assert notices("flash") == [leader]
    assert Task.objects.filter(instance_id=instance["id"], bpmn_id="present").count() == 0

    with time_machine.travel(at(2026, 11, 27, 18, 49), tick=False):
        timers.fire_all_due()
    assert notices("escalation") == []
    with time_machine.travel(at(2026, 11, 27, 18, 50, 30), tick=False):
        timers.fire_all_due()
    # the leader did not act within the SLA: the deputy has it now, both are told
    assign = task_of(client_of(deputy), instance["id"], "assign")
    assert assign["assignee"] == deputy
    assert notices("escalation") == sorted([leader, deputy])
    assert Task.objects.get(instance_id=instance["id"], bpmn_id="assign_flash").status == "cancelled"
    with time_machine.travel(at(2026, 11, 27, 19, 5), tick=False):
        complete(client_of(deputy), instance["id"], "assign", {"lead_handler": "chuyenvien", "deadline": "2026-11-30"})

    # the audit shows the urgency was the sender's and was not lowered
    registered = AuditEvent.objects.get(instance_id=instance["id"], action="document_registered")
    received = AuditEvent.objects.get(instance_id=instance["id"], action="document_received")
    assert received.after["urgency"] == "hoa_toc" and received.after["urgency_set_by"] == "sender"
    assert registered.after["urgency"] == registered.after["sender_urgency"] == "hoa_toc"
    assert document_of(instance["id"]).urgency == "hoa_toc"


# --- S03 ------------------------------------------------------------------------------------------
def test_s03_invalid_signature_is_returned_to_the_sender_without_a_number(client_of, trusted, sealed):
    vanthu = client_of("vanthu")
    altered = sealed.replace(b"595.2756", b"595.2757", 1)
    upload = vanthu.post("/api/v1/signing/verifications/",
                         {"file": SimpleUploadedFile("132-CV-TU.pdf", altered, content_type="application/pdf")},
                         format="multipart").json()
    assert upload["summary"].startswith("Kết quả kiểm tra chữ ký số: KHÔNG HỢP LỆ")  # the report in Vietnamese

    instance = start(vanthu, {"verification_id": upload["id"], "subject": "Công văn 132-CV/TU",
                              "organ_name": "Tỉnh ủy"})

    assert instance["status"] == "completed" and instance["outcome"] == "Đã trả lại nơi gửi"
    document = document_of(instance["id"])
    assert (document.status, document.arrival_number) == ("returned", None)
    assert not NumberEntry.objects.exists()  # no arrival number consumed
    returned = AuditEvent.objects.get(instance_id=instance["id"], action="document_returned")
    assert returned.after["reason"].startswith("Chữ ký số không hợp lệ.")
    assert notices("signature_invalid") == ["vanthu"]  # the responsible person alerted


def test_s03_variant_a_document_sent_to_the_wrong_recipient_is_returned(client_of):
    vanthu = client_of("vanthu")
    instance = start(vanthu, {"subject": "Báo cáo kinh tế quý IV", "organ_name": "Sở Tài chính"})
    complete(vanthu, instance["id"], "receive", {"valid": False, "wrong_recipient": True,
                                                 "reject_reason": "Gửi nhầm: văn bản gửi UBND xã"})
    assert vanthu.get(f"/api/v1/process-instances/{instance['id']}/").json()["status"] == "completed"
    document = document_of(instance["id"])
    assert (document.status, document.arrival_number) == ("returned", None)
    assert not NumberEntry.objects.exists()


# --- S04 ------------------------------------------------------------------------------------------
def test_s04_a_mat_document_goes_to_the_secret_register_and_only_granted_people_open_it(client_of, files_dir):
    vanthu, bithu = client_of("vanthu"), client_of("bithu")
    open_one = start(vanthu, {"subject": "Công văn thường", "organ_name": "Tỉnh ủy"})
    complete(vanthu, open_one["id"], "receive", {"valid": True})
    complete(vanthu, open_one["id"], "register", REGISTERED)
    secret = start(vanthu, {"subject": "Kế hoạch bảo vệ an ninh trật tự dịp Tết", "organ_name": "Công an tỉnh",
                            "confidentiality": "mat"})
    complete(vanthu, secret["id"], "receive", {"valid": True})
    complete(vanthu, secret["id"], "register", {**REGISTERED, "organ_name": "Công an tỉnh", "code_notation": "KH-CAT",
                                                "confidentiality": "mat",
                                                "subject": "Kế hoạch bảo vệ an ninh trật tự dịp Tết"})
    plain, confidential = document_of(open_one["id"]), document_of(secret["id"])
    # its own register and counter
    assert confidential.register.secret and not plain.register.secret
    assert (plain.arrival_number, confidential.arrival_number) == (1, 1)
    records.attach(confidential, b"%PDF-1.7\n% mat\n", name="ke-hoach.pdf")
    file_id = DocumentFile.objects.get(document=confidential).pk

    # the clerk sees the metadata only; a specialist without a grant is refused and the attempt audited
    assert vanthu.get(f"/api/v1/documents/{confidential.pk}/").status_code == 200
    assert vanthu.get(f"/api/v1/documents/{confidential.pk}/content/?file={file_id}").status_code == 403
    chuyenvien = client_of("chuyenvien")
    refused = chuyenvien.get(f"/api/v1/documents/{confidential.pk}/content/?file={file_id}")
    assert refused.status_code in (403, 404)
    denials = AuditEvent.objects.filter(action__in=("access_denied", "confidential_refused"))
    assert any(str(confidential.pk) in str(event.after) for event in denials)
    # the Bí thư grants it; the granted reader opens it and the opening is on record
    granted = bithu.post(f"/api/v1/documents/{confidential.pk}/grants/", {"username": "chuyenvien2"}, format="json")
    assert granted.status_code == 201, granted.content
    opened = client_of("chuyenvien2").get(f"/api/v1/documents/{confidential.pk}/content/?file={file_id}")
    assert opened.status_code == 200
    assert AuditEvent.objects.filter(stream=f"document:{confidential.pk}", action="confidential_opened").exists()


# --- S07 ------------------------------------------------------------------------------------------
def test_s07_overdue_document_of_a_unit_is_reminded_escalated_and_reported_late(client_of):
    vanthu, chutich, vanhoa = client_of("vanthuubnd"), client_of("chutich"), client_of("vanhoa")
    with time_machine.travel(at(2026, 8, 28, 9, 10), tick=False):  # Friday D
        instance = start(vanthu, {"subject": "V/v tổ chức Ngày hội văn hóa", "organ_name": "Sở Văn hóa"})
        complete(vanthu, instance["id"], "receive", {"valid": True})
        complete(vanthu, instance["id"], "register", {**REGISTERED, "organ_name": "Sở Văn hóa",
                                                      "code_notation": "CV-SVH"})
        complete(vanthu, instance["id"], "present", {"presented_to": "chutich"})
        # D+3 working days: 31/8, 1/9 and 2/9 are days off → Monday 7/9
        complete(chutich, instance["id"], "assign", {"lead_unit": "phong_van_hoa_xa_hoi", "lead_handler": "vanhoa",
                                                     "deadline": "2026-09-07", "reply_required": True})
    handle = task_of(vanhoa, instance["id"], "handle")
    assert handle["due_at"].startswith("2026-09-07T17:00:00")

    with time_machine.travel(at(2026, 9, 4, 7, 31), tick=False):  # D+2 WD: the day before
        timers.fire_all_due()
    assert notices("reminder") == ["vanhoa"]
    with time_machine.travel(at(2026, 9, 7, 7, 31), tick=False):  # the due day
        timers.fire_all_due()
    assert notices("reminder") == ["vanhoa", "vanhoa"]
    with time_machine.travel(at(2026, 9, 7, 17, 0), tick=False):
        timers.fire_all_due()
    assert notices("overdue") == []
    with time_machine.travel(at(2026, 9, 7, 17, 1, 30), tick=False):  # due + 1 minute
        timers.fire_all_due()
    assert notices("overdue") == ["chutich", "vanhoa"]  # escalated to the assigning leader

    # "done" without a linked reply is refused: the leader asked for one
    with time_machine.travel(at(2026, 9, 9, 9), tick=False):
        refused = complete(vanhoa, instance["id"], "handle", {"outcome": "done"}, expected=400)
        assert "reply_document_id" in refused["errors"]
        assert task_of(vanhoa, instance["id"], "handle")["status"] == "open"
        document = document_of(instance["id"])
        reply = records.save(Document(direction=Direction.OUTGOING, body="ubnd_xa", subject="Trả lời Sở Văn hóa",
                                      code_number="15", code_notation="UBND-VHXH"))
        complete(vanhoa, instance["id"], "handle", {"outcome": "done", "reply_document_id": str(reply.pk)})
        complete(vanhoa, instance["id"], "report", {"report": "Đã trả lời bằng Công văn 15/UBND-VHXH"})
        complete(chutich, instance["id"], "close", {})
    assert document.links_in.get().source == reply

    # the follow-up report: late, with the working days late (8/9 and 9/9)
    rows = follow_up(vanthu, document.register, "2026-08-01", "2026-09-30")
    row = next(r for r in rows if r and "CV-SVH" in " ".join(str(c) for c in r if c))
    assert "Phòng Văn hóa - Xã hội" in row and "Giải quyết quá hạn" in row, row
    assert 2 in row, row  # working days late
    overdue = client_of("chutich").get(f"/api/v1/process-instances/{instance['id']}/events/?page_size=100").json()
    assert [e["after"]["flag"] for e in overdue["results"] if e["action"] == "flagged"] == ["overdue"]


def test_nothing_on_this_page_runs_without_the_demo_people(client_of):
    assert get_user_model().objects.filter(username__in=["vanthu", "bithu", "vanthuubnd", "chutich", "vanhoa",
                                                          "truongbanxdd", "chanhvp"]).count() == 7
