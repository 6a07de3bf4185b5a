"""Rendering outgoing documents: Party and State headers, notation, date, signature block, A4
with Decree 30 margins, and the empty signature field between title and name."""

from dataclasses import replace
from datetime import date

import pypdfium2 as pdfium
import pytest

from signing.render import (
    PERSON_FIELD,
    SignatureBlock,
    System,
    format_notation,
    format_place_date,
    render_document,
    signature_titles,
)
from signing.testing.example import decision_metadata

from .conftest import BODY, party_plan

MM = 72 / 25.4


def text_of(pdf: bytes, page: int = 0) -> str:
    return pdfium.PdfDocument(pdf)[page].get_textpage().get_text_range().replace("\r", "")


def test_party_and_state_notation_differ():
    assert format_notation(system=System.PARTY, number=4, notation="KH/ĐU") == "Số 04-KH/ĐU"
    assert format_notation(system=System.STATE, number=15, notation="QĐ-UBND") == "Số: 15/QĐ-UBND"
    assert format_notation(system=System.STATE, number=123, notation="UBND-VP") == "Số: 123/UBND-VP"


def test_place_and_date_have_leading_zeros():
    assert format_place_date(place="Vĩnh An", day=date(2026, 12, 5)) == "Vĩnh An, ngày 05 tháng 12 năm 2026"
    assert format_place_date(place="Vĩnh An", day=date(2027, 2, 1)) == "Vĩnh An, ngày 01 tháng 02 năm 2027"


def test_signature_titles_use_slashes_for_the_party_and_dots_for_the_state():
    assert signature_titles(system=System.PARTY, on_behalf_of="Đảng ủy", position="Bí thư") == (
        "T/M ĐẢNG ỦY", "BÍ THƯ")
    assert signature_titles(system=System.PARTY, deputy_for="Trưởng ban", position="Phó Trưởng ban") == (
        "K/T TRƯỞNG BAN", "PHÓ TRƯỞNG BAN")
    assert signature_titles(system=System.PARTY, by_order_of="Ban Thường vụ", position="Chánh Văn phòng") == (
        "T/L BAN THƯỜNG VỤ", "CHÁNH VĂN PHÒNG")
    assert signature_titles(system=System.STATE, on_behalf_of="Ủy ban nhân dân", deputy_for="Chủ tịch",
                            position="Phó Chủ tịch") == ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")
    assert signature_titles(system=System.STATE, by_order_of="Chủ tịch", position="Chánh Văn phòng") == (
        "TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG")


def test_party_document_has_the_party_header(party_document):
    text = text_of(party_document.pdf)
    for line in ("ĐẢNG BỘ TỈNH HÀ TĨNH", "ĐẢNG ỦY XÃ VĨNH AN", "ĐẢNG CỘNG SẢN VIỆT NAM", "Số 04-KH/ĐU",
                 "Vĩnh An, ngày 05 tháng 12 năm 2026", "KẾ HOẠCH", "T/M ĐẢNG ỦY", "BÍ THƯ", "Nguyễn Văn An",
                 "Nơi nhận:", "- Lưu Văn phòng Đảng ủy."):
        assert line in text, line
    assert "CỘNG HÒA" not in text and "Số:" not in text


def test_state_document_has_the_national_header(state_document):
    text = text_of(state_document.pdf)
    for line in ("ỦY BAN NHÂN DÂN XÃ VĨNH AN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                 "Số: 15/QĐ-UBND", "QUYẾT ĐỊNH", "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH",
                 "Hoàng Văn Giang", "Căn cứ Luật Tổ chức chính quyền địa phương"):
        assert line in text, line
    assert "ĐẢNG CỘNG SẢN" not in text


def test_cong_van_puts_its_subject_under_the_number():
    meta = replace(decision_metadata(number=7), type_name="", code_notation="UBND-VP",
                   subject="báo cáo kết quả chuyển đổi số năm 2026")
    text = text_of(render_document(metadata=meta, body=BODY).pdf)
    assert "Số: 07/UBND-VP\nV/v báo cáo kết quả chuyển đổi" in text
    assert "QUYẾT ĐỊNH" not in text


def test_page_is_a4_and_text_stays_inside_decree_30_margins(state_document):
    page = pdfium.PdfDocument(state_document.pdf)[0]
    width, height = page.get_size()
    assert (width, height) == pytest.approx((210 * MM, 297 * MM), abs=0.1)
    textpage = page.get_textpage()
    boxes = [textpage.get_charbox(i) for i in range(textpage.count_chars())]
    boxes = [b for b in boxes if b[2] > b[0]]  # skip zero-width (spaces, line ends)
    assert min(b[0] for b in boxes) >= 30 * MM - 0.5  # left 30–35 mm
    assert max(b[2] for b in boxes) <= width - 15 * MM + 0.5  # right 15–20 mm
    assert max(b[3] for b in boxes) <= height - 20 * MM + 0.5  # top 20–25 mm
    assert min(b[1] for b in boxes) >= 20 * MM - 0.5  # bottom 20–25 mm


def test_signature_field_sits_between_the_title_and_the_name(state_document):
    # the renderer leaves an empty, unsigned signature field in the space for the signature
    x1, y1, x2, y2 = state_document.signature_box
    assert state_document.signature_field == PERSON_FIELD
    textpage = pdfium.PdfDocument(state_document.pdf)[0].get_textpage()
    assert textpage.get_text_bounded(left=x1, bottom=y1 + 1, right=x2, top=y2 - 1).strip() == ""
    assert "PHÓ CHỦ TỊCH" in textpage.get_text_bounded(left=x1 - 30, bottom=y2, right=x2 + 30, top=y2 + 20)
    assert "Hoàng Văn Giang" in textpage.get_text_bounded(left=x1 - 30, bottom=y1 - 20, right=x2 + 30, top=y1)
    assert (x2 - x1, y2 - y1) == pytest.approx((60 * MM, 30 * MM), abs=0.1)


def test_long_document_puts_the_signature_on_the_last_page():
    long = render_document(metadata=party_plan(), body=BODY * 12)
    assert long.page_count >= 2
    assert long.signature_page == long.page_count - 1
    assert "Nguyễn Văn An" in text_of(long.pdf, page=long.signature_page)


def test_rendering_is_deterministic_apart_from_the_file_id():
    first = render_document(metadata=party_plan(), body=BODY).pdf
    second = render_document(metadata=party_plan(), body=BODY).pdf
    assert text_of(first) == text_of(second)
    assert len(first) == len(second)


def test_signer_block_without_authority_marks():
    meta = replace(party_plan(), signature=SignatureBlock(titles=("TRƯỞNG BAN",), signer_name="Lê Thị Hoa"))
    text = text_of(render_document(metadata=meta, body=BODY).pdf)
    assert "TRƯỞNG BAN\nLê Thị Hoa" in text
