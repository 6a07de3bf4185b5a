"""Validation: every form accepts its valid examples and refuses bad data per field path, in Vietnamese."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from engine.exceptions import InvalidData
from engine.models import Task
from forms import validation

VALID = {
    "incoming_receive": [{"valid": True}, {"valid": False, "reject_reason": "Sai nơi nhận", "wrong_recipient": True}],
    "incoming_register": [
        {"organ_name": "Tỉnh ủy", "subject": "V/v triển khai Sổ tay đảng viên điện tử", "urgency": "khan"},
        {"organ_name": "UBND tỉnh", "subject": "V/v ...", "urgency": "hoa_toc", "code_number": "15",
         "issued_date": "2026-11-30", "code_notation": "QĐ-UBND", "document_type": "quyet_dinh",
         "type_name": "Quyết định", "signer": "Nguyễn Văn A", "page_amount": 3, "description": "",
         "confidentiality": "mat"}],
    "incoming_present": [{"presented_to": "bithu"}, {"presented_to": "phobithu", "note": "Văn bản khẩn"}],
    "incoming_assign": [{"lead_handler": "chuyenvien", "deadline": "2030-12-07"},
                        {"lead_handler": "chuyenvien", "co_handlers": ["chuyenvien2", "truongbanxdd"],
                         "deadline": "2030-12-07", "instructions": "Ban Xây dựng Đảng chủ trì"},
                        {"lead_unit": "ban_xay_dung_dang", "co_units": ["van_phong_dang_uy"], "reply_required": True}],
    "incoming_reassign": [{"lead_handler": "chuyenvien2"},
                          {"lead_unit": "ban_xay_dung_dang", "deadline": "2030-12-09"}],
    "incoming_distribute": [{"lead_handler": "chuyenvien"}, {"lead_handler": "chuyenvien", "note": "Ưu tiên"}],
    "incoming_cooperate": [{"opinion": "Nhất trí"}],
    "incoming_close": [{}, {"conclusion": "Hoàn thành"}],
    "incoming_handle": [{"outcome": "done"}, {"outcome": "reassign", "reassign_reason": "Không đúng lĩnh vực"},
                        {"outcome": "done", "result_summary": "Đã trả lời bằng Công văn 15-CV/ĐU",
                         "reply_document_id": "2e3d08ce-867a-47b4-9d58-40291ec71efa"}],
    "incoming_report": [{}, {"reply": "15-CV/ĐU", "report": "Đã trả lời"}],
    "outgoing_draft": [
        {"document_type": "ke_hoach", "subject": "Kế hoạch triển khai Quy định 339-QĐ/TW", "number_text": "Số …-KH/ĐU",
         "signature_block": "T/M BAN THƯỜNG VỤ\nPHÓ BÍ THƯ", "urgency": "thuong"},
        {"document_type": "quyet_dinh", "subject": "Về việc thành lập Tổ công tác", "number_text": "Số: …/QĐ-UBND",
         "signature_block": "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH", "signer": "phochutich", "urgency": "khan",
         "confidentiality": "", "recipients": ["000.25.41.A41"], "body_text": "Điều 1.\n\nĐiều 2.",
         "appendix_files": ["2e3d08ce-867a-47b4-9d58-40291ec71efa"], "note": "Bản 2"}],
    "outgoing_review": [{"decision": "approve"}, {"decision": "reject", "comment": "Sửa số, ký hiệu"}],
}

INVALID = [
    # form, data, expected errors
    ("outgoing_review", {"decision": "maybe"}, {"decision": ["Phải là một trong: Đồng ý, Trả lại để sửa."]}),
    ("outgoing_review", {"decision": "approve", "format_check": {"ok": True}},
     {"format_check": ["Trường này do hệ thống điền, không được sửa."]}),
    ("incoming_receive", {}, {"valid": ["Trường này là bắt buộc."]}),
    ("incoming_receive", {"valid": "có"}, {"valid": ["Phải là đúng hoặc sai."]}),
    ("incoming_receive", {"valid": False}, {"reject_reason": ["Trường này là bắt buộc."]}),
    ("incoming_receive", {"valid": False, "reject_reason": "   "}, {"reject_reason": ["Trường này là bắt buộc."]}),
    ("incoming_register", {"urgency": "gap", "subject": "", "page_amount": 0, "extra": 1}, {
        "organ_name": ["Trường này là bắt buộc."],
        "urgency": ["Phải là một trong: Thường, Khẩn, Thượng khẩn, Hỏa tốc."],
        "subject": ["Trường này là bắt buộc."],
        "page_amount": ["Không được nhỏ hơn 1."],
        "extra": ["Trường này không có trong biểu mẫu."],
    }),
    ("incoming_register", {"organ_name": "Tỉnh ủy", "subject": "x" * 501, "urgency": "thuong",
                           "issued_date": "30/11/2026", "arrival_number": 12, "confidentiality": "mật"}, {
        "subject": ["Tối đa 500 ký tự."],
        "issued_date": ["Phải đúng định dạng ngày (YYYY-MM-DD)."],
        "arrival_number": ["Trường này không có trong biểu mẫu."],  # the register gives it
        "confidentiality": ["Phải là một trong: Không mật, Mật, Tối mật, Tuyệt mật."],
    }),
    ("incoming_present", {"presented_to": "bí thư; drop"},
     {"presented_to": ["Tên đăng nhập chỉ gồm chữ, số và các ký tự . @ + - _"]}),
    ("incoming_present", {"presented_to": ""}, {"presented_to": ["Trường này là bắt buộc."]}),
    ("incoming_assign", {"lead_handler": "cv", "deadline": "07/12/2026", "co_handlers": ["a", "a", 3]}, {
        "deadline": ["Phải đúng định dạng ngày (YYYY-MM-DD)."],
        "co_handlers": ["Các mục không được trùng nhau."],
        "co_handlers/2": ["Phải là một chuỗi ký tự."],
    }),
    ("incoming_assign", {"lead_handler": "cv", "deadline": "2030-12-07", "co_handlers": "cv2"},
     {"co_handlers": ["Phải là một danh sách."]}),
    ("incoming_assign", {"lead_handler": "cv", "deadline": "2030-12-07", "co_handlers": [f"cv{n}" for n in range(21)]},
     {"co_handlers": ["Tối đa 20 mục."]}),
    ("incoming_assign", {"co_handlers": ["cv", "c v"], "lead_unit": "ban xdd", "co_units": ["", 1]},
     {"co_handlers/1": ["Tên đăng nhập chỉ gồm chữ, số và các ký tự . @ + - _"],
      "lead_unit": ["Chọn một đơn vị trong danh sách."], "co_units/0": ["Trường này là bắt buộc."],
      "co_units/1": ["Phải là một chuỗi ký tự."]}),
    ("incoming_handle", {"outcome": "done", "reply_document_id": "15-CV/ĐU"},
     {"reply_document_id": ["Phải đúng định dạng mã định danh (UUID)."]}),
    ("incoming_cooperate", {"opinion": " "}, {"opinion": ["Trường này là bắt buộc."]}),
    ("incoming_handle", {"outcome": "reassign"}, {"reassign_reason": ["Trường này là bắt buộc."]}),
    ("incoming_handle", {"outcome": "xong"},
     {"outcome": ["Phải là một trong: Đã giải quyết, Đề nghị giao người khác."]}),
    ("incoming_report", {"reply": 15, "report": None}, {"reply": ["Phải là một chuỗi ký tự."],
                                                        "report": ["Phải là một chuỗi ký tự."]}),
]


def errors_of(form_key, data) -> dict:
    with pytest.raises(InvalidData) as raised:
        validation.validate(form_key, data)
    assert str(raised.value.message) == "Một số trường chưa được nhập đúng."
    return raised.value.errors


def test_every_form_has_examples_here():
    from forms import registry

    assert set(VALID) == registry.keys()


@pytest.mark.parametrize(("form_key", "data"), [(key, data) for key, examples in VALID.items() for data in examples])
def test_valid_examples_pass(form_key, data):
    validation.validate(form_key, data)


@pytest.mark.parametrize(("form_key", "data", "expected"), INVALID)
def test_invalid_data_is_refused_per_field_path_in_vietnamese(form_key, data, expected):
    assert errors_of(form_key, data) == expected


def test_a_deadline_in_the_past_is_refused_but_today_is_not():
    today = timezone.localdate()
    assign = {"lead_handler": "chuyenvien"}
    assert errors_of("incoming_assign", {**assign, "deadline": (today - timedelta(days=1)).isoformat()}) == {
        "deadline": ["Không được là một ngày đã qua."]}
    validation.validate("incoming_assign", {**assign, "deadline": today.isoformat()})


def test_the_messages_follow_the_users_language():
    with translation.override("en"), pytest.raises(InvalidData) as raised:
        validation.validate("incoming_distribute", {"note": 3})
    assert raised.value.errors == {"lead_handler": ["This field is required."], "note": ["Must be a text."]}


def test_an_unknown_form_is_refused():
    with pytest.raises(InvalidData, match="no_such_form"):
        validation.validate("no_such_form", {})


def test_the_engine_hook_accepts_any_object_for_a_task_without_a_form():
    validation.validate_task(Task(form_key=""), {"anything": [1, 2]})


def test_the_engine_hook_refuses_what_is_not_an_object():
    with pytest.raises(InvalidData) as raised:
        validation.validate_task(Task(form_key=""), ["valid"])
    assert raised.value.errors == {"": ["Phải là một nhóm trường."]}


def test_the_engine_hook_validates_against_the_tasks_form():
    with pytest.raises(InvalidData) as raised:
        validation.validate_task(Task(form_key="incoming_receive", body=""), {"valid": False})
    assert raised.value.errors == {"reject_reason": ["Trường này là bắt buộc."]}


def test_a_field_the_process_fills_in_is_refused_when_submitted():
    # the signature report: the clerk reads it and must not be able to replace it
    assert errors_of("incoming_receive", {"valid": True, "signature_check": {"checked": True, "valid": True}}) == {
        "signature_check": ["Trường này do hệ thống điền, không được sửa."]}
    assert errors_of("incoming_receive", {"valid": True, "signature_check": None}) == {
        "signature_check": ["Trường này do hệ thống điền, không được sửa."]}


def test_the_engine_hook_reports_the_schema_and_the_people_together(demo):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    with pytest.raises(InvalidData) as raised:
        validation.validate_task(Task(form_key="incoming_assign", body="dang_uy_xa"), {
            "lead_handler": "khong_ton_tai", "co_handlers": ["vanthu", "c v"], "deadline": yesterday})
    assert str(raised.value.message) == "Một số trường chưa được nhập đúng."
    assert raised.value.errors == {
        "lead_handler": ["Không có tài khoản nào có tên đăng nhập khong_ton_tai."],
        "co_handlers/0": ["Chỉ giao được cho chuyên viên của cơ quan."],
        "co_handlers/1": ["Tên đăng nhập chỉ gồm chữ, số và các ký tự . @ + - _"],
        "deadline": ["Không được là một ngày đã qua."]}


def test_nul_characters_are_refused_before_they_reach_the_database():
    # PostgreSQL cannot store U+0000 in JSON: the step would fail with a server error
    with pytest.raises(InvalidData) as raised:
        validation.validate_task(Task(form_key="", body=""), {"notes": ["ok", "a\x00b"], "k\x00": 1})
    assert raised.value.errors == {"notes/1": ["Có ký tự không lưu được."], "k": ["Có ký tự không lưu được."]}
    with pytest.raises(InvalidData) as raised:
        validation.validate_task(Task(form_key="incoming_present", body=""), {"presented_to": "bithu", "note": "\x00"})
    assert raised.value.errors == {"note": ["Có ký tự không lưu được."]}
