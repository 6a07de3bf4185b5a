"""The outgoing procedure's pages through Django's test client, on the demo commune with the test PKI:
starting it for the Party Committee, the draft form's recipients, what the reviewers and the drafter
see on their tasks, the document page (versions, review rounds, the issued file's signatures checked
now, where it went), the drafter's edit from the document page (errors, a Word file, an approval
voided), and who may see and do each of these."""

import re

import pytest

from bench.conversion import docx_bytes
from documents.models import HandlingStatus
from engine.models import AuditEvent, ProcessInstance, Task
from exchange import attempts
from exchange.models import Delivery, Peer
from outgoing.models import DraftVersion, Source
from tests.outgoing.flow import PLAN, certificates, complete, document_of, open_task, sign, start

from ..api.conftest import client_of  # noqa: F401 - the API's signed-in clients drive the steps not tested here
from ..documents.test_conversion import needs_soffice
from ..signing import conftest as signing_fixtures

pki, key_dir, signing_settings = signing_fixtures.pki, signing_fixtures.key_dir, signing_fixtures.signing_settings
trusted, register = signing_fixtures.trusted, signing_fixtures.register

RIGHT = {**PLAN, "number_text": "Số …-KH/ĐU"}
CELL = "101.25.41.A41"  # chi_bo_01, a body of this deployment
PARTY_CODE = "000.25.41.A41"  # dang_uy_xa, the issuing body


def text(response) -> str:
    return " ".join(response.content.decode().split())


def section(page: str, testid: str) -> str:
    """The HTML from the element with ``data-testid=testid`` to the end of its section."""
    start_at = page.index(f'data-testid="{testid}"')
    return page[start_at:page.index("</section>", start_at)]


def complete_page(page, instance_id, bpmn_id, data: dict, expected=302):
    task = open_task(instance_id, bpmn_id)
    response = page.post(f"/viec/{task.pk}/", {**data, "action": "complete"})
    assert response.status_code == expected, text(response)[:3000]
    return response


@pytest.fixture
def people(client_of, register):  # noqa: F811 - the fixture imported above
    return {name: client_of(name) for name in ("chuyenvien", "truongbanxdd", "chanhvp", "phobithu", "vanthu")}, \
        certificates(register)


def test_the_specialist_starts_it_for_the_party_committee_and_picks_recipients(page_of):
    specialist = page_of("chuyenvien")
    start_page = text(specialist.get("/quy-trinh/"))
    form = start_page[start_page.index("/quy-trinh/outgoing_document/bat-dau/"):]
    form = form[:form.index("</form>")]
    assert 'name="body"' in form and 'value="dang_uy_xa"' in form and 'value="ban_xay_dung_dang"' in form
    assert specialist.post("/quy-trinh/outgoing_document/bat-dau/", {"body": "ubnd_xa"}).status_code == 403
    assert AuditEvent.objects.filter(stream="access", action="access_denied", actor__username="chuyenvien").exists()

    started = specialist.post("/quy-trinh/outgoing_document/bat-dau/", {"body": "dang_uy_xa"})
    assert started.status_code == 302 and started["Location"].startswith("/viec/")
    instance = ProcessInstance.objects.get()
    assert instance.body == "dang_uy_xa"
    page = text(specialist.get(started["Location"]))
    recipients = page[page.index('data-field="recipients"'):]
    recipients = recipients[:recipients.index("</fieldset>")]
    assert 'data-widget="organs"' in page
    assert f'value="{CELL}"' in recipients and "Chi bộ 1" in recipients
    assert f'value="{PARTY_CODE}"' not in recipients  # it does not send to itself
    assert 'id="f-recipients"' in recipients  # the box for codes not in the list

    typed = {**PLAN, "recipients": [CELL, f" 000.00.00.G22; {CELL}"]}
    refused = text(complete_page(specialist, instance.pk, "draft", typed, expected=422))
    assert "000.00.00.G22" in refused  # nowhere to send it: said at the draft, not after both signatures
    assert Task.objects.filter(instance=instance, bpmn_id="draft", status="open").exists()
    Peer.objects.create(name="Trục liên thông văn bản quốc gia", url="https://truc.example.vn/edxml/",
                        organ_ids=["000.00.00.G22"])  # now something serves the code typed in the box
    complete_page(specialist, instance.pk, "draft", typed)
    document = document_of(instance.pk)
    assert [r["organ_id"] for r in document.recipients] == [CELL, "000.00.00.G22"]
    assert document.recipients[0]["organ_name"] == "Chi bộ 1"


def test_reviewers_see_the_draft_the_findings_and_earlier_comments_and_the_drafter_the_last_round(people, page_of):
    clients, _certs = people
    instance = start(clients["chuyenvien"])
    complete(clients["chuyenvien"], instance["id"], "draft", PLAN)  # the number in the State style
    document = document_of(instance["id"])

    head = page_of("truongbanxdd")
    page = text(head.get(f"/viec/{open_task(instance['id'], 'content_approval').pk}/"))
    panel = section(page, "drafting")
    assert f'href="/van-ban/{document.pk}/phien-ban/1/"' in panel and 'data-pdf-url' in panel
    assert 'data-testid="earlier-reviews"' not in panel
    complete_page(head, instance["id"], "content_approval", {"decision": "approve"})

    office = page_of("chanhvp")
    page = text(office.get(f"/viec/{open_task(instance['id'], 'format_check').pk}/"))
    findings = page[page.index('data-report="findings"'):]
    findings = findings[:findings.index("</div>")]
    assert "“Số: 05/KH-ĐU”" in findings and "Số 05-KH/ĐU" in findings  # what is wrong, and what it would read
    assert page.index('data-report="findings"') < page.index('name="decision"')  # above the decision
    earlier = section(page, "drafting")
    assert 'data-review="content" data-decision="approve"' in earlier and "Vũ Thị Mai" in earlier
    # a refusal without a comment is shown beside the comment, nothing stored
    refused = office.post(f"/viec/{open_task(instance['id'], 'format_check').pk}/",
                          {"decision": "reject", "action": "complete"})
    assert refused.status_code == 422 and 'data-field="comment"' in text(refused)
    complete_page(office, instance["id"], "format_check",
                  {"decision": "reject", "comment": "Sửa số, ký hiệu theo mẫu văn bản của Đảng: Số …-KH/ĐU"})

    specialist = page_of("chuyenvien")
    page = text(specialist.get(f"/viec/{open_task(instance['id'], 'draft').pk}/"))
    last_round = section(page, "drafting")
    assert "Sửa số, ký hiệu theo mẫu văn bản của Đảng" in last_round
    assert 'data-review="format" data-decision="reject"' in last_round
    assert 'id="f-number_text" name="number_text" value="Số: 05/KH-ĐU"' in page  # the form keeps the draft's values
    complete_page(specialist, instance["id"], "draft", {**PLAN, "number_text": "Số …-KH/ĐU"}, expected=302)

    page = text(head.get(f"/viec/{open_task(instance['id'], 'content_approval').pk}/"))
    earlier = section(page, "drafting")
    assert f'href="/van-ban/{document.pk}/phien-ban/2/"' in earlier
    assert "Sửa số, ký hiệu theo mẫu văn bản của Đảng" in earlier  # the earlier round's comment, with its version
    versions = text(specialist.get(f"/van-ban/{document.pk}/"))
    shown = section(versions, "versions")
    assert re.findall(r'data-version="(\d+)"', shown) == ["2", "1"]  # newest first
    v1 = shown[shown.index('data-version="1"'):]
    assert "Sửa số, ký hiệu theo mẫu văn bản của Đảng" in v1 and "“Số: 05/KH-ĐU”" in v1  # the comment and findings
    assert "Số, ký hiệu" in shown[:shown.index('data-version="1"')]  # version 2 changed the number line


def _handed_over() -> None:
    """The outbox's hand-over to the receiving body, as a worker runs it."""
    for delivery in Delivery.objects.filter(packet__isnull=False):
        attempts.deliver(delivery.packet_id)


def test_the_issued_documents_page_shows_versions_reviews_signatures_and_deliveries(people, page_of):
    clients, certs = people
    instance = start(clients["chuyenvien"])
    complete(clients["chuyenvien"], instance["id"], "draft", {**RIGHT, "recipients": [CELL]})
    complete(clients["truongbanxdd"], instance["id"], "content_approval", {"decision": "approve"})
    complete(clients["chanhvp"], instance["id"], "format_check", {"decision": "approve"})
    complete(clients["phobithu"], instance["id"], "signer_approval", {"decision": "approve"})
    sign(clients["phobithu"], instance["id"], "sign_person", certs["phobithu"])
    sign(clients["vanthu"], instance["id"], "seal", certs["dang_uy_xa"])
    document = document_of(instance["id"])
    assert document.status == HandlingStatus.ISSUED
    _handed_over()

    page = text(page_of("vanthu").get(f"/van-ban/{document.pk}/"))
    signatures = section(page, "signatures")
    assert 'class="verdict ok" data-testid="signatures-verdict"' in signatures
    assert signatures.count('data-valid="true"') == 2 and 'data-valid="false"' not in signatures
    assert signatures.index("Trần Thị Hà") < signatures.index("Đảng ủy xã Vĩnh An")  # the person, then the seal
    versions = section(page, "versions")
    assert 'data-testid="approved"' in versions and 'data-testid="approval-voided"' not in versions
    assert re.findall(r'data-review="(\w+)"', versions) == ["content", "format", "signer"]
    deliveries = section(page, "deliveries")
    assert f'data-delivery="{CELL}" data-status="received"' in deliveries and "Chi bộ 1" in deliveries
    assert 'data-testid="edit-draft"' not in page  # issued: nobody changes it any more

    pdf = page_of("vanthu").get(f"/van-ban/{document.pk}/phien-ban/1/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert pdf["Cache-Control"] == "private, no-store"
    # another body's clerk: neither the page nor a version, both refusals on record
    other = page_of("vanthuubnd")
    assert other.get(f"/van-ban/{document.pk}/").status_code == 404
    assert other.get(f"/van-ban/{document.pk}/phien-ban/1/").status_code == 404
    assert AuditEvent.objects.filter(stream="access", action="access_denied", actor__username="vanthuubnd").count() == 2


def test_the_drafter_edits_the_draft_from_its_page_and_an_edit_after_approval_goes_back_to_the_signer(
        people, page_of):
    clients, _certs = people
    instance = start(clients["chuyenvien"])
    complete(clients["chuyenvien"], instance["id"], "draft", RIGHT)
    complete(clients["truongbanxdd"], instance["id"], "content_approval", {"decision": "approve"})
    complete(clients["chanhvp"], instance["id"], "format_check", {"decision": "approve"})
    complete(clients["phobithu"], instance["id"], "signer_approval", {"decision": "approve"})
    document = document_of(instance["id"])
    url = f"/van-ban/{document.pk}/sua/"

    # only the drafter has the form; anyone else's post is refused and on record
    signer = page_of("phobithu")
    assert 'data-testid="edit-draft"' not in text(signer.get(f"/van-ban/{document.pk}/"))
    assert signer.post(url, {**RIGHT, "subject": "Khác"}).status_code == 403
    assert AuditEvent.objects.filter(stream="access", action="access_denied", actor__username="phobithu",
                                     after__path=url).exists()

    drafter = page_of("chuyenvien")
    page = text(drafter.get(f"/van-ban/{document.pk}/"))
    edit = section(page, "edit-draft")
    assert 'value="Số …-KH/ĐU"' in edit and 'enctype="multipart/form-data"' in edit and 'name="docx"' in edit
    # a required field left empty: said beside it, in Vietnamese, nothing stored
    refused = drafter.post(url, {**RIGHT, "subject": " "})
    assert refused.status_code == 422
    subject = text(refused)[text(refused).index('data-field="subject"'):]
    assert "Trường này là bắt buộc." in subject[:subject.index("</div>")]
    # what is not a Word file: said beside the upload
    refused = drafter.post(url, {**RIGHT, "docx": _upload(b"not a zip", "du-thao.docx")})
    assert refused.status_code == 422
    upload = text(refused)[text(refused).index('data-field="docx"'):]
    assert 'aria-invalid="true"' in upload[:upload.index("</div>")] and 'id="f-docx-errors"' in upload
    assert DraftVersion.objects.filter(document=document).count() == 1

    assert 'id="f-signer" name="signer" value="phobithu"' in edit  # the signer the procedure chose
    edited = {**RIGHT, "signer": "phobithu", "subject": RIGHT["subject"] + " (sửa)"}
    changed = drafter.post(url, {**edited, "note": "Sửa trích yếu"})
    assert changed.status_code == 302 and changed["Location"].endswith("#versions")
    shown = text(drafter.get(changed["Location"]))
    assert 'class="message warning"' in shown and "Trần Thị Hà" in shown  # the approval is void: back to her
    assert 'data-testid="approval-voided"' in shown
    assert open_task(instance["id"], "signer_approval").assignee.username == "phobithu"
    latest = DraftVersion.objects.filter(document=document).order_by("-number").first()
    assert (latest.number, latest.changes, latest.note) == (2, ["subject"], "Sửa trích yếu")

    # the same again: nothing changed, no version
    assert drafter.post(url, edited).status_code == 302
    assert DraftVersion.objects.filter(document=document).count() == 2


@needs_soffice
def test_a_word_file_becomes_the_next_version(people, page_of):
    clients, _certs = people
    instance = start(clients["chuyenvien"])
    complete(clients["chuyenvien"], instance["id"], "draft", RIGHT)
    document = document_of(instance["id"])
    drafter = page_of("chuyenvien")
    docx = docx_bytes(["Kế hoạch triển khai Quy định 339-QĐ/TW.", "Các chi bộ báo cáo trước ngày 25."])
    response = drafter.post(f"/van-ban/{document.pk}/sua/", {**RIGHT, "signer": "phobithu",
                                                              "docx": _upload(docx, "ke-hoach.docx")})
    assert response.status_code == 302, text(response)[:2000]
    latest = DraftVersion.objects.filter(document=document).order_by("-number").first()
    assert latest.source == Source.DOCX and latest.changes == ["file"]
    versions = section(text(drafter.get(f"/van-ban/{document.pk}/")), "versions")
    assert 'data-version="2"' in versions


def _upload(content: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile  # only the upload tests build files

    return SimpleUploadedFile(name, content, content_type="application/vnd.openxmlformats-officedocument."
                                                         "wordprocessingml.document")


def test_a_confidential_drafts_versions_only_for_who_may_open_it(people, page_of):
    clients, _certs = people
    instance = start(clients["chuyenvien"])
    complete(clients["chuyenvien"], instance["id"], "draft", {**RIGHT, "confidentiality": "mat"})
    document = document_of(instance["id"])
    assert document.confidential
    clerk = page_of("vanthu")  # the body's clerk sees the record, not its content
    page = text(clerk.get(f"/van-ban/{document.pk}/"))
    assert 'data-testid="content-closed"' in page and 'data-testid="versions"' not in page
    assert clerk.get(f"/van-ban/{document.pk}/phien-ban/1/").status_code == 403
    head = page_of("truongbanxdd")  # the content reviewer takes part, but was granted nothing
    task_page = text(head.get(f"/viec/{open_task(instance['id'], 'content_approval').pk}/"))
    assert 'data-testid="drafting"' not in task_page
    competent = page_of("bithu")  # the competent person reads it
    assert 'data-testid="versions"' in text(competent.get(f"/van-ban/{document.pk}/"))
    assert competent.get(f"/van-ban/{document.pk}/phien-ban/1/").status_code == 200


def test_a_review_form_starts_empty(people, page_of):
    """A review's decision and comment are cleared from the data once recorded: the next reviewer's form
    starts empty, and a review that gives only its decision does not repeat an earlier comment."""
    clients, _certs = people
    instance = start(clients["chuyenvien"])
    complete(clients["chuyenvien"], instance["id"], "draft", RIGHT)
    complete(clients["truongbanxdd"], instance["id"], "content_approval",
             {"decision": "reject", "comment": "Bổ sung phần tổ chức thực hiện"})
    complete(clients["chuyenvien"], instance["id"], "draft", {**RIGHT, "body_text": RIGHT["body_text"] + "\n\nIII."})
    page = text(page_of("truongbanxdd").get(f"/viec/{open_task(instance['id'], 'content_approval').pk}/"))
    form = page[page.index("data-task-form"):]
    assert "Bổ sung phần tổ chức thực hiện</textarea>" not in form and " checked>" not in form
    complete(clients["truongbanxdd"], instance["id"], "content_approval", {"decision": "approve"})
    latest = DraftVersion.objects.filter(document=document_of(instance["id"])).order_by("-number").first()
    assert latest.reviews.get().comment == ""
