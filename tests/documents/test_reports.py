"""The register reports (issue 12, point 6; Decree 30 Appendix IV and the outputs of Appendix VI):
the incoming and outgoing books and the follow-up report, read back from their files (openpyxl for
the XLSX, pdftotext for the PDF); confidential rows only where documents.access allows them; the
follow-up's days late counted to the day across the 2026 National Day holiday."""

import io
import shutil
import subprocess
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.utils import translation

from documents import access, numbering, records, reports
from documents.models import Direction, Document, DocumentType, HandlingStatus, LinkKind
from engine import services
from engine.exceptions import InvalidData, NotAllowed

openpyxl = pytest.importorskip("openpyxl")

VN = ZoneInfo("Asia/Ho_Chi_Minh")
YEAR_2026 = (date(2026, 1, 1), date(2026, 12, 31))
INCOMING_HEADER = ["Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu", "Ngày tháng văn bản", "Tên loại và trích yếu",
                   "Đơn vị hoặc người nhận", "Ngày chuyển", "Ký nhận", "Ghi chú"]
OUTGOING_HEADER = ["Số, ký hiệu", "Ngày tháng văn bản", "Tên loại và trích yếu nội dung", "Người ký",
                   "Nơi nhận văn bản", "Đơn vị, người nhận bản lưu", "Số lượng bản", "Ngày chuyển", "Ký nhận",
                   "Ghi chú"]
SECRET_SUBJECT = "Phương án bảo vệ mục tiêu trọng yếu"
TOP_SECRET_SUBJECT = "Kế hoạch phòng thủ khu vực năm 2026"


def person(username: str) -> User:
    return User.objects.get(username=username)


def register(body="dang_uy_xa", direction=Direction.INCOMING, secret=False):
    return numbering.register_for(body, direction, secret=secret)


def arrive(subject, *, number, notation, at, organ="Tỉnh ủy Nghệ An", kind="cong_van", confidentiality="",
           due=None, issued=None, urgency="thuong"):
    document = records.save(Document(
        direction=Direction.INCOMING, body="dang_uy_xa", subject=subject, code_number=number, code_notation=notation,
        organ_name=organ, document_type=DocumentType.objects.get(code=kind), confidentiality=confidentiality,
        due_date=due, issued_date=issued, urgency=urgency))
    return records.register_incoming(document, at=at)


def sheet_rows(content: bytes) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def table(rows: list[tuple], start: int = reports.XLSX_HEADER_ROW) -> tuple[list, list[tuple]]:
    """The header and the rows of the table whose header is row ``start`` (1-based), up to a blank row."""
    width = len([value for value in rows[start - 1] if value is not None])
    body = []
    for row in rows[start:]:
        if all(value is None for value in row):
            break
        body.append(row[:width])
    return list(rows[start - 1][:width]), body


def pdf_text(content: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (Debian: apt-get install -y poppler-utils)")
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True)
    return done.stdout.decode()


@pytest.fixture
def arrivals(office):
    """An open register's year: two documents in 2026 (one arriving at 23:30 on New Year's Eve in
    Hà Nội), one in 2027; and a Mật and a Tuyệt mật document in the secret register."""
    made = {
        "conference": arrive("V/v tổ chức Hội nghị sơ kết công tác xây dựng Đảng", number="132", notation="CV/TU",
                             at=datetime(2026, 1, 5, 9, tzinfo=VN), issued=date(2026, 1, 2), urgency="khan"),
        "plan": arrive("Kế hoạch kiểm tra,\x0b giám sát năm 2027", number="15", notation="KH-UBND",
                       organ="Ủy ban nhân dân tỉnh Nghệ An", kind="ke_hoach", issued=date(2026, 12, 30),
                       at=datetime(2026, 12, 31, 23, 30, tzinfo=VN)),
        "next_year": arrive("Thông báo lịch làm việc", number="01", notation="TB/TU",
                            at=datetime(2027, 1, 1, 0, 10, tzinfo=VN)),
        "secret": arrive(SECRET_SUBJECT, number="07", notation="PA/CA", organ="Công an tỉnh",
                         confidentiality="mat", at=datetime(2026, 3, 2, 8, tzinfo=VN)),
        "top_secret": arrive(TOP_SECRET_SUBJECT, number="09", notation="KH/BCH", organ="Bộ Chỉ huy quân sự tỉnh",
                             kind="ke_hoach", confidentiality="tuyet_mat", at=datetime(2026, 3, 3, 8, tzinfo=VN)),
    }
    return made


def test_the_incoming_book_has_the_columns_of_appendix_iv_and_the_period_s_rows_in_dates_dd_mm_yyyy(arrivals):
    with translation.override("en"):
        content = reports.to_xlsx(reports.incoming_book(person("vanthu"), register(), *YEAR_2026))
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == "Đảng ủy xã Vĩnh An" and rows[1][0] == "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN"
    assert rows[2][0] == "Sổ văn bản đến — Đảng ủy xã Vĩnh An"
    assert rows[3][0] == "From 01/01/2026 to 31/12/2026"
    header, body = table(rows)
    assert header == INCOMING_HEADER
    assert len(body) == 2  # not the 2027 arrival, nothing confidential
    assert body[0] == (datetime(2026, 1, 5), 1, "Tỉnh ủy Nghệ An", "132-CV/TU", datetime(2026, 1, 2),
                       "Công văn V/v tổ chức Hội nghị sơ kết công tác xây dựng Đảng", "Đảng ủy xã Vĩnh An", None,
                       None, "KHẨN")
    # 23:30 on 31 December in Hà Nội is still 2026; a Kế hoạch's subject already says what it is; the
    # vertical tab pasted into it is dropped (openpyxl refuses control characters)
    assert body[1][:6] == (datetime(2026, 12, 31), 2, "Ủy ban nhân dân tỉnh Nghệ An", "15/KH-UBND",
                           datetime(2026, 12, 30), "Kế hoạch kiểm tra, giám sát năm 2027")
    first_data = workbook.active.cell(row=reports.XLSX_HEADER_ROW + 1, column=1)
    assert first_data.number_format == "DD/MM/YYYY" and first_data.is_date
    cells = {str(value) for row in rows for value in row}
    assert not any(text in cell for cell in cells for text in ("PA/CA", "KH/BCH", SECRET_SUBJECT, TOP_SECRET_SUBJECT))


def test_the_incoming_book_as_pdf_shows_the_vietnamese_text_and_page_numbers(arrivals):
    with translation.override("en"):
        text = pdf_text(reports.to_pdf(reports.incoming_book(person("bithu"), register(), *YEAR_2026)))
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in text and "Đảng ủy xã Vĩnh An" in text
    for label in ("Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu", "Ký nhận", "Ghi chú", "Tên loại và trích yếu"):
        assert label in text
    assert "132-CV/TU" in text and "15/KH-UBND" in text and "Tỉnh ủy Nghệ An" in text
    assert "05/01/2026" in text and "31/12/2026" in text and "Hội nghị sơ kết" in text
    assert "Page 1 of 1" in text
    # the competent person too: an open register's report never lists a confidential document
    assert "PA/CA" not in text and "KH/BCH" not in text and "bảo vệ mục tiêu" not in text


def test_the_secret_register_s_report_is_for_its_clerk_and_the_competent_person_with_a_hidden_top_secret_subject(
        arrivals):
    secret = register(secret=True)
    clerk_rows = table(sheet_rows(reports.to_xlsx(reports.incoming_book(person("vanthu"), secret, *YEAR_2026))))[1]
    assert [(row[1], row[3], row[5]) for row in clerk_rows] == [
        (1, "07-PA/CA", f"Công văn {SECRET_SUBJECT}"), (2, "09-KH/BCH", f"Kế hoạch {access.HIDDEN_SUBJECT}")]
    assert clerk_rows[0][9] == "MẬT" and clerk_rows[1][9] == "TUYỆT MẬT"
    clerk_pdf = pdf_text(reports.to_pdf(reports.incoming_book(person("vanthu"), secret, *YEAR_2026)))
    assert "09-KH/BCH" in clerk_pdf and "***" in clerk_pdf and "phòng thủ" not in clerk_pdf
    competent = table(sheet_rows(reports.to_xlsx(reports.incoming_book(person("bithu"), secret, *YEAR_2026))))[1]
    assert competent[1][5] == TOP_SECRET_SUBJECT  # a Kế hoạch's subject already says what it is
    # a leader of the body, a granted specialist, another body's clerk: no secret register's report
    for username in ("phobithu", "chuyenvien", "vanthuubnd"):
        with pytest.raises(NotAllowed):
            reports.incoming_book(person(username), secret, *YEAR_2026)
    assert access.may_report(person("phobithu"), register()) and not access.may_report(person("vanthuubnd"),
                                                                                       register())
    with pytest.raises(NotAllowed):
        reports.follow_up(person("chuyenvien"), secret, *YEAR_2026)


def test_the_outgoing_book_lists_the_documents_issued_in_the_period(office):
    outgoing, secret = register(direction=Direction.OUTGOING), register(direction=Direction.OUTGOING, secret=True)
    plan = DocumentType.objects.get(code="ke_hoach")

    def issue(number, issued, subject, *, where=outgoing, confidentiality=""):
        return records.save(Document(
            direction=Direction.OUTGOING, body="dang_uy_xa", register=where, code_number=number,
            code_notation="KH/ĐU", issued_date=issued, document_type=plan, subject=subject,
            signer_position="Bí thư", signer_name="Nguyễn Văn Bình", confidentiality=confidentiality,
            recipients=[{"organ_id": "000.00.41.A41", "organ_name": "Ban Thường vụ Tỉnh ủy"},
                        {"organ_name": "Các chi bộ trực thuộc"}], status=HandlingStatus.ISSUED))

    issue("05", date(2026, 3, 10), "Triển khai Nghị quyết Đại hội")
    issue("04", date(2026, 2, 1), "Học tập chuyên đề năm 2026")
    issue("06", date(2027, 1, 4), "Năm sau")
    issue("07", date(2026, 4, 1), SECRET_SUBJECT, where=secret, confidentiality="mat")
    rows = sheet_rows(reports.to_xlsx(reports.outgoing_book(person("vanthu"), outgoing, *YEAR_2026)))
    assert rows[1][0] == "SỔ ĐĂNG KÝ VĂN BẢN ĐI"
    header, body = table(rows)
    assert header == OUTGOING_HEADER
    assert body == [
        ("04-KH/ĐU", datetime(2026, 2, 1), "Kế hoạch Học tập chuyên đề năm 2026", "Nguyễn Văn Bình",
         "Ban Thường vụ Tỉnh ủy; Các chi bộ trực thuộc", None, None, None, None, None),
        ("05-KH/ĐU", datetime(2026, 3, 10), "Kế hoạch Triển khai Nghị quyết Đại hội", "Nguyễn Văn Bình",
         "Ban Thường vụ Tỉnh ủy; Các chi bộ trực thuộc", None, None, None, None, None),
    ]
    text = pdf_text(reports.to_pdf(reports.outgoing_book(person("vanthu"), outgoing, *YEAR_2026)))
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐI" in text and "04-KH/ĐU" in text and "Nơi nhận văn bản" in text
    assert "07-KH/ĐU" not in text
    secret_rows = table(sheet_rows(reports.to_xlsx(reports.register_book(person("bithu"), secret, *YEAR_2026))))[1]
    assert [row[0] for row in secret_rows] == ["07-KH/ĐU"]


def test_a_report_refuses_a_period_backwards_and_a_register_of_the_other_direction(office):
    with pytest.raises(InvalidData):
        reports.incoming_book(person("vanthu"), register(), date(2026, 2, 1), date(2026, 1, 1))
    with pytest.raises(InvalidData):
        reports.outgoing_book(person("vanthu"), register(), *YEAR_2026)
    with pytest.raises(InvalidData):
        reports.follow_up(person("vanthu"), register(direction=Direction.OUTGOING), *YEAR_2026)


DONE_AT_ONCE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="handled" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f</bpmn:outgoing></bpmn:startEvent>
    <bpmn:endEvent id="e"><bpmn:incoming>f</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture
def handled(office, time_machine):
    """August 2026's arrivals and how they stand on Monday 7 September 2026. 29–30/8 is a weekend,
    31/8 the day off swapped for Saturday 22/8, 1–2/9 the National Day holiday."""
    services.deploy({"handled.bpmn": DONE_AT_ONCE})

    def done(document, moment):
        time_machine.move_to(moment, tick=False)
        records.handled_by(document, services.start("handled", actor=None, body="dang_uy_xa"))

    at = datetime(2026, 8, 17, 9, tzinfo=VN)
    made = {
        "on_time": arrive("Đúng hạn", number="21", notation="CV/TU", at=at, due=date(2026, 9, 10)),
        "late": arrive("Quá hạn qua lễ Quốc khánh", number="22", notation="CV/TU", at=at, due=date(2026, 8, 28)),
        "overdue": arrive("Chưa xong, quá hạn", number="23", notation="CV/TU", at=at, due=date(2026, 8, 28)),
        "pending": arrive("Đang giải quyết trong hạn", number="24", notation="CV/TU", at=at, due=date(2026, 9, 15)),
        "by_hand": arrive("Xong, không ghi ngày", number="25", notation="CV/TU", at=at, due=date(2026, 8, 20)),
        "on_the_day": arrive("Xong đúng ngày hạn", number="26", notation="CV/TU", at=at, due=date(2026, 9, 3)),
    }
    done(made["on_time"], datetime(2026, 9, 9, 10, tzinfo=VN))
    done(made["late"], datetime(2026, 9, 3, 16, 55, tzinfo=VN))
    done(made["on_the_day"], datetime(2026, 9, 3, 16, 55, tzinfo=VN))
    made["by_hand"].status = HandlingStatus.DONE
    records.save(made["by_hand"], update_fields=["status"])
    reply = records.save(Document(direction=Direction.OUTGOING, body="dang_uy_xa", subject="Trả lời",
                                  code_number="31", code_notation="CV/ĐU", issued_date=date(2026, 9, 3)))
    records.link(reply, made["late"], kind=LinkKind.REPLIES_TO)
    time_machine.move_to(datetime(2026, 9, 7, 9, tzinfo=VN), tick=False)
    return made


def test_the_follow_up_report_counts_on_time_late_and_pending_with_the_days_late_across_the_holiday(handled):
    report = reports.follow_up(person("vanthu"), register(), date(2026, 8, 1), date(2026, 8, 31))
    lines = {line.document_id: line for line in report.lines}
    late = lines[handled["late"].pk]
    assert (late.outcome, late.finished_on, late.days_late, late.working_days_late) == (
        reports.Outcome.LATE, date(2026, 9, 3), 6, 1)  # only Thursday 3/9 was a working day
    assert late.reply == "31-CV/ĐU"
    overdue = lines[handled["overdue"].pk]
    assert (overdue.outcome, overdue.overdue, overdue.days_late, overdue.working_days_late) == (
        reports.Outcome.PENDING, True, 10, 3)  # to Monday 7/9: 3/9, 4/9 and 7/9
    assert lines[handled["on_the_day"].pk].outcome == reports.Outcome.ON_TIME  # the deadline is its day's close
    assert (lines[handled["pending"].pk].outcome, lines[handled["pending"].pk].overdue) == (
        reports.Outcome.PENDING, False)
    by_hand = lines[handled["by_hand"].pk]
    assert (by_hand.outcome, by_hand.finished_on, by_hand.note) == (
        reports.Outcome.ON_TIME, None, "Chưa ghi nhận ngày giải quyết")
    whole, unit = report.totals[""], report.totals["dang_uy_xa"]
    assert whole == unit
    assert (unit.documents, unit.on_time, unit.late, unit.pending, unit.overdue_pending) == (6, 3, 1, 2, 1)


def test_the_follow_up_report_s_files_give_each_document_and_the_totals_per_unit(handled):
    with translation.override("en"):
        report = reports.follow_up(person("bithu"), register(), date(2026, 8, 1), date(2026, 8, 31))
        rows = sheet_rows(reports.to_xlsx(report))
        text = pdf_text(reports.to_pdf(report))
    assert rows[1][0] == "BÁO CÁO TÌNH HÌNH GIẢI QUYẾT VĂN BẢN ĐẾN"
    header, body = table(rows)
    assert header[:6] == ["Số đến", "Ngày đến", "Tên loại, số, ký hiệu, ngày, cơ quan ban hành",
                          "Đơn vị hoặc người nhận", "Thời hạn giải quyết", "Tiến độ giải quyết"]
    assert header[6:] == ["Handled on", "Days late", "Working days late", "Số, ký hiệu văn bản trả lời", "Ghi chú"]
    late = next(row for row in body if row[0] == 2)
    assert late == (2, datetime(2026, 8, 17), "Công văn 22-CV/TU, Tỉnh ủy Nghệ An", "Đảng ủy xã Vĩnh An",
                    datetime(2026, 8, 28), "Handled late", datetime(2026, 9, 3), 6, 1, "31-CV/ĐU", None)
    assert next(row for row in body if row[0] == 3)[5:9] == ("Being handled, overdue", None, 10, 3)
    totals_at = next(index for index, row in enumerate(rows, start=1) if row[0] == "Totals by unit") + 1
    totals_header, totals = table(rows, totals_at)
    assert totals_header == ["Unit", "Number of documents", "Handled on time", "Handled late", "Being handled",
                             "Of which overdue"]
    assert totals == [("Đảng ủy xã Vĩnh An", 6, 3, 1, 2, 1), ("All units", 6, 3, 1, 2, 1)]
    assert "BÁO CÁO TÌNH HÌNH GIẢI QUYẾT VĂN BẢN ĐẾN" in text and "Thời hạn giải" in text  # its header cell wraps
    assert "22-CV/TU" in text and "Handled late" in text and "Totals by unit" in text


def test_a_long_book_repeats_its_header_on_every_page_and_numbers_the_pages(office):
    incoming = register()
    Document.objects.bulk_create(
        Document(direction=Direction.INCOMING, body="dang_uy_xa", register=incoming, arrival_number=n,
                 arrival_date=datetime(2026, 1 + n // 30, 1 + n % 28, 8, tzinfo=VN), code_number=str(n),
                 code_notation="CV/TU", organ_name="Tỉnh ủy Nghệ An", subject=f"Văn bản số {n} về việc " + "x " * 40)
        for n in range(1, 301))
    with translation.override("en"):
        pages = pdf_text(reports.to_pdf(reports.incoming_book(person("vanthu"), incoming, *YEAR_2026))).split("\f")
    pages = [page for page in pages if page.strip()]
    assert len(pages) > 3
    assert all("Ngày đến" in page and "Ký nhận" in page for page in pages)
    assert all(f"Page {n} of {len(pages)}" in page for n, page in enumerate(pages, start=1))
    assert len(table(sheet_rows(reports.to_xlsx(reports.incoming_book(person("vanthu"), incoming,
                                                                       *YEAR_2026))))[1]) == 300


def test_a_document_handled_by_several_units_counts_under_each_and_once_in_all(handled, monkeypatch):
    # what the lead and co-operating units will do: here the Ban Xây dựng Đảng co-operates on everything
    monkeypatch.setattr(reports, "handling_units", lambda document: (document.body, "ban_xay_dung_dang"))
    report = reports.follow_up(person("vanthu"), register(), date(2026, 8, 1), date(2026, 8, 31))
    assert {unit: totals.documents for unit, totals in report.totals.items()} == {
        "": 6, "dang_uy_xa": 6, "ban_xay_dung_dang": 6}
    assert [line.unit for line in report.lines] == ["ban_xay_dung_dang"] * 6 + ["dang_uy_xa"] * 6  # by unit name
    only = reports.follow_up(person("vanthu"), register(), date(2026, 8, 1), date(2026, 8, 31),
                             units=["ban_xay_dung_dang"])
    assert {line.unit for line in only.lines} == {"ban_xay_dung_dang"} and only.totals[""].late == 1
