"""An outgoing document through the pages, in headless Chromium, by the people whose work it is
(issue 14): the specialist drafts a Party plan with its number in the State style, the head of the
Party Building Board approves the content, the chief of office sees the format finding and returns
it with a comment, the specialist fixes the number, it is approved, the Deputy Secretary approves and
signs in the page, which numbers it 01-KH/ĐU (printed into the signed PDF), the clerk applies the
Committee's signature and it is issued to Party cell 1, whose clerk finds it in their worklist once
the outbox has handed it over.
axe-core on each kind of page; screenshots of the document page, the format check and the signing step."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from playwright.sync_api import expect

from documents import blobs
from documents.models import Direction, Document, HandlingStatus
from engine.models import ProcessInstance, Task, TaskStatus
from exchange import attempts
from exchange.models import Delivery
from tests.documents.test_conversion import pdf_text
from tests.outgoing.flow import PLAN, certificates
from tests.signing import conftest as signing_fixtures

from .helpers import complete, fill_form

pki, key_dir, signing_settings = signing_fixtures.pki, signing_fixtures.key_dir, signing_fixtures.signing_settings
trusted, register = signing_fixtures.trusted, signing_fixtures.register

pytestmark = [pytest.mark.slow]

PROCESS = "Soạn thảo, ban hành văn bản đi"
CELL = "101.25.41.A41"  # Chi bộ 1 (chi_bo_01), a body of this deployment
COMMENT = "Văn bản của Đảng: ghi số, ký hiệu theo mẫu “Số …-KH/ĐU”, không theo kiểu Nhà nước."
DRAFT = {name: PLAN[name] for name in ("document_type", "subject", "body_text", "number_text", "signature_block",
                                         "urgency")}


def open_task(instance, bpmn_id: str) -> Task:
    return Task.objects.get(instance=instance, bpmn_id=bpmn_id, status=TaskStatus.OPEN)


def in_thread(work):
    """Run ``work`` as a worker would, in a thread of its own: pyHanko (the arrival's verification)
    runs its own event loop, and this thread already runs Playwright's."""
    def run():
        try:
            return work()
        finally:
            connection.close()  # this thread's own connection, or the test database stays in use

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def sign_with_pin(page) -> None:
    page.fill("#sign-pin", signing_fixtures.P12_PASSWORD)
    page.click("[data-sign-button]")


def test_an_outgoing_document_drafted_reviewed_signed_numbered_and_issued(pages, site, axe, screenshot, register):
    certificates(register)  # the demo's signers and the Committee with their test PKI keys

    # The specialist starts it for the Party Committee (not his board) and drafts the plan.
    specialist = pages.open("chuyenvien")
    specialist.goto(site + "/quy-trinh/")
    row = specialist.locator("li").filter(has=specialist.get_by_role("button", name=PROCESS))
    row.locator("select[name=body]").select_option("dang_uy_xa")
    row.get_by_role("button", name=PROCESS).click()
    specialist.wait_for_url(re.compile(r"/viec/[0-9a-f-]+/$"))
    instance = ProcessInstance.objects.get(definition__key="outgoing_document")
    assert (instance.body, open_task(instance, "draft").assignee.username) == ("dang_uy_xa", "chuyenvien")
    assert specialist.locator(f"[data-field=recipients] input[value='{CELL}']").count() == 1
    axe(specialist, name="draft task")
    fill_form(specialist, {**DRAFT, "recipients": [CELL]})
    complete(specialist)
    specialist.wait_for_url(site + "/")

    # The head of the board reads version 1 and approves its content.
    head = pages.open("truongbanxdd")
    head.goto(f"{site}/viec/{open_task(instance, 'content_approval').pk}/")
    expect(head.locator("[data-testid=latest-version] a").first).to_have_attribute(
        "href", re.compile(r"/phien-ban/1/$"))
    axe(head, name="review task")
    fill_form(head, {"decision": "approve"})
    complete(head)

    # The chief of office sees the automatic finding and returns the draft with a comment.
    office = pages.open("chanhvp")
    office.goto(f"{site}/viec/{open_task(instance, 'format_check').pk}/")
    findings = office.locator("[data-report=findings]")
    expect(findings).to_contain_text("Số 05-KH/ĐU")  # what the number line would read in the Party style
    expect(findings).to_contain_text("“Số: 05/KH-ĐU”")
    expect(office.locator("[data-testid=earlier-reviews]")).to_contain_text("Vũ Thị Mai")
    axe(office, name="format check task")
    screenshot(office, "outgoing-format-check")
    fill_form(office, {"decision": "reject", "comment": COMMENT})
    complete(office)

    # The specialist finds it back on his list with the comment, and fixes the number line.
    specialist.goto(site + "/")
    specialist.locator(f"li.task:has-text('{PLAN['subject']}') a.task-name").click()
    specialist.wait_for_selector("[data-testid=last-round]")
    expect(specialist.locator("[data-testid=last-round]")).to_contain_text(COMMENT)
    expect(specialist.locator("#f-number_text")).to_have_value("Số: 05/KH-ĐU")
    fill_form(specialist, {"number_text": "Số …-KH/ĐU"})
    complete(specialist)

    # (Each reviewer writes a comment: the form opens with the last one, which the process data still
    # holds; see test_outgoing_pages.test_a_review_form_starts_empty.)
    head.goto(f"{site}/viec/{open_task(instance, 'content_approval').pk}/")
    fill_form(head, {"decision": "approve", "comment": "Nhất trí nội dung."})
    complete(head)
    office.goto(f"{site}/viec/{open_task(instance, 'format_check').pk}/")
    expect(office.locator("[data-report=findings] .verdict.ok")).to_be_visible()  # nothing found this time
    fill_form(office, {"decision": "approve", "comment": "Đúng thể thức."})
    complete(office)

    # The Deputy Secretary approves version 2 and goes straight on to sign it.
    signer = pages.open("phobithu")
    signer.goto(f"{site}/viec/{open_task(instance, 'signer_approval').pk}/")
    fill_form(signer, {"decision": "approve", "comment": "Đồng ý ban hành."})
    complete(signer)
    signer.wait_for_selector("[data-signing] input[name=certificate]")
    assert open_task(instance, "sign_person").assignee.username == "phobithu"
    expect(signer.locator("[data-signing] [data-testid=pdf] canvas")).to_be_visible()  # the version to sign
    signer.fill("#sign-pin", signing_fixtures.P12_PASSWORD)
    axe(signer, name="signing step")
    screenshot(signer, "outgoing-signing")
    signer.click("[data-sign-button]")
    signer.wait_for_url(site + "/")
    # Numbered in the same step (Decree 30 Art. 15): the clerk seals the version with the number printed.
    numbered = Document.objects.get(processes__instance=instance)
    assert (numbered.code_number, numbered.status) == ("01", HandlingStatus.DRAFT)

    # The clerk applies the Committee's signature on the numbered version; issue follows in the same step.
    clerk = pages.open("vanthu")
    clerk.goto(f"{site}/viec/{open_task(instance, 'seal').pk}/")
    expect(clerk.locator("[data-signing] [data-testid=pdf] canvas")).to_be_visible()
    axe(clerk, name="organisation signing step")
    sign_with_pin(clerk)
    clerk.wait_for_url(site + "/")
    document = Document.objects.get(processes__instance=instance)
    assert document.status == HandlingStatus.ISSUED
    assert (document.code_number, document.code_notation) == ("01", "KH/ĐU")
    issued = blobs.read(document.files.get(role="main").blob)
    assert "Số 01-KH/ĐU" in pdf_text(issued) and "…" not in pdf_text(issued)

    # The outbox hands it over to the cell, as a worker does; its clerk finds it in the unit's queue.
    [delivery] = Delivery.objects.filter(document=document)
    assert delivery.body == "chi_bo_01"
    assert in_thread(lambda: attempts.deliver(delivery.packet_id)) == "delivered"
    copy = Document.objects.get(direction=Direction.INCOMING, body="chi_bo_01")
    assert (copy.code_number, copy.code_notation) == ("01", "KH/ĐU")
    cell_clerk = pages.open("bithuchibo1")
    cell_clerk.goto(site + "/?queue=group")
    arrived = cell_clerk.locator("li.task").filter(has_text=PLAN["subject"])
    expect(arrived).to_have_count(1)
    axe(cell_clerk, name="the recipient's worklist")

    # The document page: the versions with their reviews, the signatures checked now, the delivery.
    specialist.goto(f"{site}/van-ban/{document.pk}/")
    versions = specialist.locator("[data-testid=versions]")
    expect(versions.locator("li.version")).to_have_count(2)
    expect(versions.locator("li.version[data-version='1']")).to_contain_text(COMMENT)
    expect(versions.locator("li.version[data-version='2'] [data-testid=approved]")).to_be_visible()
    expect(versions.locator("li.version[data-version='2'] [data-review=signer]")).to_contain_text("Đồng ý ban hành.")
    signatures = specialist.locator("[data-testid=signatures]")
    expect(signatures.locator("li[data-valid=true]")).to_have_count(2)
    expect(signatures).to_contain_text("Trần Thị Hà")
    expect(specialist.locator(f"[data-delivery='{CELL}']")).to_have_attribute("data-status", "received")
    expect(specialist.locator("[data-testid=pdf] canvas")).to_be_visible()  # the issued PDF drawn by PDF.js
    axe(specialist, name="outgoing document page")
    screenshot(specialist, "outgoing-document")
