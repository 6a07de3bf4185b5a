"""A register and a document in headless Chromium: the register's list with its filters, a task's
and a document's PDF drawn by PDF.js (its worker from 'self', under the pages' CSP), axe-core on
each page; and the screenshots of a register and of a task with its PDF."""

import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from documents import fonts, records
from documents.models import Direction, Document, DocumentProcess, DocumentType, Register
from engine import services
from engine.models import Task, TaskStatus

from .conftest import PHONE

pytestmark = [pytest.mark.slow]

SUBJECT = "V/v triển khai Sổ tay đảng viên điện tử"
#: How many of a canvas's pixels are not white: PDF.js drew the page when there are some.
INKED = """() => {
  const canvas = document.querySelector('[data-testid=pdf] canvas');
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i] < 200 && data[i + 3] > 0) inked += 1;
  return {inked, width: canvas.width, height: canvas.height};
}"""


def official_pdf(subject: str, pages: int = 2) -> bytes:
    """A two-page official letter in Vietnamese, in the documents' serif font (embedded)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    family = fonts.register_reportlab_fonts()
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=A4)
    width, height = A4
    for number in range(1, pages + 1):
        sheet.setFont(family, 13)
        sheet.drawString(60, height - 60, "TỈNH ỦY VĨNH LONG")
        sheet.drawRightString(width - 60, height - 60, "ĐẢNG CỘNG SẢN VIỆT NAM")
        sheet.drawString(60, height - 80, "Số 132-CV/TU")
        sheet.drawRightString(width - 60, height - 80, "Vĩnh Long, ngày 01 tháng 12 năm 2026")
        sheet.setFont(family + "-Bold" if family + "-Bold" in sheet.getAvailableFonts() else family, 14)
        sheet.drawCentredString(width / 2, height - 130, "CÔNG VĂN")
        sheet.setFont(family, 13)
        sheet.drawCentredString(width / 2, height - 150, subject)
        y = height - 200
        for line in range(18):
            sheet.drawString(80, y, f"{line + 1}. Các chi bộ tổ chức quán triệt, triển khai đến từng đảng viên.")
            y -= 22
        sheet.drawCentredString(width / 2, 40, f"Trang {number}/{pages}")
        sheet.rect(50, 30, width - 100, height - 60)
        sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def register_one(document: Document) -> Document:
    return records.register_incoming(records.save(document))


def register_papers() -> Register:
    """A month of the Party committee's incoming register: ordinary, urgent, overdue, confidential."""
    kinds = list(DocumentType.objects.order_by("name").values_list("pk", flat=True))
    rows = [("Kế hoạch tổ chức Đại hội Chi bộ ấp Tân Hòa nhiệm kỳ 2025-2027", "thuong", 10, ""),
            ("Hướng dẫn kiểm điểm, đánh giá chất lượng tổ chức đảng và đảng viên năm 2026", "khan", 3, ""),
            ("Thông báo kết luận của Ban Thường vụ về công tác phòng, chống thiên tai", "thuong_khan", -2, ""),
            ("Báo cáo tình hình an ninh chính trị quý IV", "thuong", 5, "mat"),
            ("Công văn về việc rà soát, bổ sung quy hoạch cán bộ", "hoa_toc", 0, "")]
    for n, (subject, urgency, days, level) in enumerate(rows):
        with transaction.atomic():  # a number is issued under a row lock, as inside a process step
            register_one(Document(
            direction=Direction.INCOMING, body="dang_uy_xa", subject=subject, code_number=str(40 + n),
            code_notation="CV/TU", organ_name="Tỉnh ủy Vĩnh Long", urgency=urgency, confidentiality=level,
            document_type_id=kinds[n % len(kinds)] if kinds else None,
            due_date=timezone.localdate() + timedelta(days=days)))
    return Register.objects.get(body__code="dang_uy_xa", direction="incoming", secret=False)


def presented(subject: str):
    """An incoming document received and registered by the clerk, to be presented; its PDF attached."""
    clerk = User.objects.get(username="vanthu")
    instance = services.start("incoming_document", actor=clerk)
    for bpmn_id, data in (("receive", {"valid": True}),
                          ("register", {"urgency": "khan", "organ_name": "Tỉnh ủy Vĩnh Long", "subject": subject,
                                        "code_number": "132", "code_notation": "CV/TU"})):
        services.complete(Task.objects.get(instance=instance, bpmn_id=bpmn_id, status=TaskStatus.OPEN),
                          data=data, actor=clerk)
    document = DocumentProcess.objects.get(instance=instance).document
    records.attach(document, official_pdf(subject), name="132-CV-TU.pdf")
    return Task.objects.get(instance=instance, status=TaskStatus.OPEN), document


def drawn(page) -> dict:
    page.wait_for_selector("[data-testid=pdf][data-ready]", timeout=20_000)
    assert page.get_attribute("[data-testid=pdf]", "data-ready") == "true"
    found = page.evaluate(INKED)
    assert found["width"] > 300 and found["inked"] > 1000, found
    return found


def test_a_register_and_a_document_with_its_pdf(pages, site, axe, screenshot, files_dir):
    register = register_papers()
    task, document = presented(SUBJECT)
    clerk = pages.open("vanthu")

    # The task page shows the document's PDF beside the form (PDF.js, its worker from 'self').
    clerk.goto(f"{site}/viec/{task.pk}/")
    drawn(clerk)
    assert re.search(r"1\D+2", clerk.locator("[data-pdf-page]").inner_text())  # page 1 of 2
    axe(clerk, name="task page with its PDF")
    screenshot(clerk, "task-pdf")

    # The register: its documents, the overdue one marked, filtered by urgency.
    clerk.locator("nav.main-nav a[href='/van-ban/']").click()
    clerk.select_option("#d-register", str(register.pk))  # htmx updates the list in place
    expect(clerk.locator("#documents-list-heading")).to_have_text(register.name)
    clerk.wait_for_url(f"**/van-ban/?*register={register.pk}*")
    rows = clerk.locator("[data-testid=documents] li")
    expect(rows).to_have_count(5)  # the Mật one is in the secret register
    assert clerk.locator("li.due-overdue").count() == 1
    axe(clerk, name="register")
    screenshot(clerk, "register")
    clerk.locator("summary").click()
    clerk.select_option("#d-urgency", "hoa_toc")
    expect(rows).to_have_count(1)
    clerk.fill("#d-q", "quy hoach can bo")  # words without diacritics, and the Enter key
    clerk.press("#d-q", "Enter")
    expect(rows).to_have_count(1)
    clerk.select_option("#d-urgency", "khan")
    expect(clerk.locator("#documents .empty")).to_be_visible()

    # The document's page: its metadata, its processes, its PDF page by page.
    clerk.goto(f"{site}/van-ban/{document.pk}/")
    drawn(clerk)
    assert SUBJECT in clerk.locator("h1").inner_text()
    assert clerk.locator("[data-testid=processes] a").count() == 1
    clerk.locator("[data-pdf-next]").click()
    expect(clerk.locator("[data-pdf-page]")).to_have_text(re.compile(r"2\D+2"))
    assert clerk.locator("[data-pdf-next]").is_disabled()
    axe(clerk, name="document page")
    screenshot(clerk, "document")
    download = clerk.locator("[data-testid=files] td a").first
    assert download.get_attribute("href") == f"/van-ban/{document.pk}/tep/{document.files.get().pk}/"

    # At a phone's width the page and its PDF fit the screen.
    phone = pages.open("bithu", viewport=PHONE)
    phone.goto(f"{site}/van-ban/{document.pk}/")
    drawn(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
