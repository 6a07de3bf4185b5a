"""The outgoing procedure step by step through the API: versions and review rounds, the rework
loop, separation of duties, the approval voided by an edit (Art. 11.2), numbering and issue."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bench.conversion import docx_bytes
from documents import blobs
from documents.models import DocumentLink, HandlingStatus, NumberEntry
from engine import inspection
from engine.models import AuditEvent, Notification, ProcessInstance
from outgoing.models import DraftVersion, Review
from signing import fill
from signing.verify import verify_pdf

from ..documents.test_conversion import SENTENCES, needs_soffice, pdf_text
from .flow import PLAN, certificates, complete, document_of, open_task, run_jobs, sign, start

pytestmark = pytest.mark.usefixtures("demo")

RIGHT = {**PLAN, "number_text": "Số …-KH/ĐU"}


@pytest.fixture
def people(client_of, register):
    return {name: client_of(name) for name in ("chuyenvien", "truongbanxdd", "chanhvp", "phobithu", "vanthu",
                                               "bithuchibo1")}, certificates(register)


def _to_signer(people, instance_id):
    clients, _certs = people
    complete(clients["chuyenvien"], instance_id, "draft", RIGHT)
    complete(clients["truongbanxdd"], instance_id, "content_approval", {"decision": "approve"})
    complete(clients["chanhvp"], instance_id, "format_check", {"decision": "approve"})


def test_a_draft_goes_through_reviews_signatures_number_and_issue(people):
    clients, certs = people
    instance = start(clients["chuyenvien"])
    assert open_task(instance["id"], "draft").assignee.username == "chuyenvien"
    _to_signer(people, instance["id"])
    complete(clients["phobithu"], instance["id"], "signer_approval", {"decision": "approve"})
    sign(clients["phobithu"], instance["id"], "sign_person", certs["phobithu"])
    sign(clients["vanthu"], instance["id"], "seal", certs["dang_uy_xa"])
    document = document_of(instance["id"])
    assert document.status == HandlingStatus.ISSUED
    assert (document.code_number, document.code_notation) == ("01", "KH/ĐU")
    assert ProcessInstance.objects.get(pk=instance["id"]).status == "completed"
    main = document.files.get(role="main")
    issued = blobs.read(main.blob)
    report = verify_pdf(issued)
    assert [s["valid"] for s in report.signatures] == [True, True]
    # numbered between the two signatures: the number and date filled in, the person's signature intact
    assert report.signatures[0]["modification_level"] == "form_filling"
    day = document.issued_date
    text = pdf_text(issued)
    assert "Số 01-KH/ĐU" in text and f"Vĩnh An, ngày {day:%d} tháng {day:%m} năm {day.year}" in text
    assert "…" not in text
    numbered = AuditEvent.objects.get(instance_id=instance["id"], action="number_printed")
    assert numbered.after[fill.NUMBER_FIELD] == "Số 01-KH/ĐU"
    assert [r.step for r in Review.objects.filter(version__document=document)] == ["content", "format", "signer"]
    assert run_jobs(instance["id"]) == 0


def test_the_drafter_does_not_approve_their_own_draft(people, client_of):
    clients, _certs = people
    truongban = clients["truongbanxdd"]
    instance = start(truongban)
    complete(truongban, instance["id"], "draft", RIGHT)
    response = complete(truongban, instance["id"], "content_approval", {"decision": "approve"}, expected=403)
    assert "không tự duyệt" in str(response).lower() or response


def test_a_rejection_needs_a_comment_and_returns_the_draft_with_it(people):
    clients, _certs = people
    instance = start(clients["chuyenvien"])
    complete(clients["chuyenvien"], instance["id"], "draft", PLAN)
    complete(clients["truongbanxdd"], instance["id"], "content_approval", {"decision": "reject"}, expected=400)
    complete(clients["truongbanxdd"], instance["id"], "content_approval",
             {"decision": "reject", "comment": "Bổ sung phần tổ chức thực hiện"})
    assert open_task(instance["id"], "draft")
    reworked = {**PLAN, "body_text": PLAN["body_text"] + "\n\nIII. TỔ CHỨC"}
    complete(clients["chuyenvien"], instance["id"], "draft", reworked)
    document = document_of(instance["id"])
    versions = list(DraftVersion.objects.filter(document=document).order_by("number"))
    assert [v.number for v in versions] == [1, 2] and versions[1].changes == ["body_text"]
    assert versions[0].reviews.get().comment == "Bổ sung phần tổ chức thực hiện"


def test_an_edit_after_approval_voids_it_and_goes_back_to_the_signer(people):
    clients, certs = people
    instance = start(clients["chuyenvien"])
    _to_signer(people, instance["id"])
    complete(clients["phobithu"], instance["id"], "signer_approval", {"decision": "approve"})
    document = document_of(instance["id"])
    edited = clients["chuyenvien"].post(f"/api/v1/documents/{document.pk}/versions/",
                                        {"fields": {**RIGHT, "subject": RIGHT["subject"] + " (sửa)"}}, format="json")
    assert edited.status_code == 201, edited.content
    assert open_task(instance["id"], "signer_approval").assignee.username == "phobithu"
    assert AuditEvent.objects.filter(action="approval_voided").exists()
    assert Notification.objects.filter(kind="approval_voided", user__username="phobithu").exists()
    assert not DocumentLink.objects.exists()


@needs_soffice
def test_a_word_draft_is_converted_kept_as_a_version_signed_and_issued(people):
    clients, certs = people
    drafter = clients["chuyenvien"]
    instance = start(drafter)
    document = document_of(instance["id"])
    uploaded = drafter.post(f"/api/v1/documents/{document.pk}/versions/", {
        "docx": SimpleUploadedFile("ke-hoach.docx", docx_bytes(SENTENCES, title="KẾ HOẠCH"),
                                   content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        "note": "Bản Word"}, format="multipart")
    assert uploaded.status_code == 201, uploaded.content
    assert uploaded.json()["source"] == "docx" and uploaded.json()["changes"][-1] == "file"
    _to_signer(people, instance["id"])
    version = DraftVersion.objects.filter(document=document).order_by("-number").first()
    assert version.source == "docx" and version.number == 2  # the form's fields on the Word text
    complete(clients["phobithu"], instance["id"], "signer_approval", {"decision": "approve"})
    sign(clients["phobithu"], instance["id"], "sign_person", certs["phobithu"])
    sign(clients["vanthu"], instance["id"], "seal", certs["dang_uy_xa"])
    issued = blobs.read(document_of(instance["id"]).files.get(role="main").blob)
    assert [s["valid"] for s in verify_pdf(issued).signatures] == [True, True]
    text = pdf_text(issued)
    for sentence in ["KẾ HOẠCH", *SENTENCES]:
        assert sentence in text


def test_once_signed_and_numbered_an_edit_is_refused_and_the_number_is_kept(people):
    """Decree 30 Art. 15: the number is given after the person signs; from then on the signed and
    numbered document is not changed (409): a change is a correction or a replacement, and the
    number is never given again nor lost."""
    clients, certs = people
    instance = start(clients["chuyenvien"])
    _to_signer(people, instance["id"])
    complete(clients["phobithu"], instance["id"], "signer_approval", {"decision": "approve"})
    sign(clients["phobithu"], instance["id"], "sign_person", certs["phobithu"])
    document = document_of(instance["id"])
    assert (document.code_number, document.status) == ("01", HandlingStatus.DRAFT)
    assert open_task(instance["id"], "seal")
    late = clients["chuyenvien"].post(f"/api/v1/documents/{document.pk}/versions/",
                                      {"fields": {"subject": "Kế hoạch (sửa lần 2)"}}, format="json")
    assert late.status_code == 409 and ("correction" in late.json()["detail"] or "đính chính" in late.json()["detail"])
    assert DraftVersion.objects.filter(document=document).count() == 1
    assert not AuditEvent.objects.filter(action="approval_voided").exists()
    sign(clients["vanthu"], instance["id"], "seal", certs["dang_uy_xa"])
    document.refresh_from_db()
    assert (document.code_number, document.status) == ("01", HandlingStatus.ISSUED)
    assert NumberEntry.objects.filter(document=document).count() == 1
    # issued: no more versions either
    late = clients["chuyenvien"].post(f"/api/v1/documents/{document.pk}/versions/", {"fields": {"subject": "x"}},
                                      format="json")
    assert late.status_code == 409


def test_a_confidential_document_is_issued_on_paper_not_sent_electronically(people):
    clients, certs = people
    instance = start(clients["chuyenvien"])
    complete(clients["chuyenvien"], instance["id"], "draft",
             {**RIGHT, "confidentiality": "mat", "recipients": ["101.25.41.A41"]})
    complete(clients["truongbanxdd"], instance["id"], "content_approval", {"decision": "approve"})
    complete(clients["chanhvp"], instance["id"], "format_check", {"decision": "approve"})
    complete(clients["phobithu"], instance["id"], "signer_approval", {"decision": "approve"})
    sign(clients["phobithu"], instance["id"], "sign_person", certs["phobithu"])
    sign(clients["vanthu"], instance["id"], "seal", certs["dang_uy_xa"])
    document = document_of(instance["id"])
    assert document.status == HandlingStatus.ISSUED and document.register.secret
    assert not document.deliveries.exists()
    answer = inspection.data_of(ProcessInstance.objects.get(pk=instance["id"]))["issued"]
    assert answer["sent"] == [] and "paper" in answer["paper"].lower() or "giấy" in answer["paper"]


def test_a_signer_who_does_not_hold_the_position_is_refused_by_name(people):
    clients, _certs = people
    instance = start(clients["chuyenvien"])
    answer = complete(clients["chuyenvien"], instance["id"], "draft", {**RIGHT, "signer": "chanhvp"}, expected=400)
    assert "chanhvp" in str(answer)


def test_a_secret_or_top_secret_draft_stays_on_paper(people):
    clients, _certs = people
    instance = start(clients["chuyenvien"])
    answer = complete(clients["chuyenvien"], instance["id"], "draft", {**RIGHT, "confidentiality": "toi_mat"},
                      expected=400)
    assert "confidentiality" in answer["errors"]
    assert not DraftVersion.objects.exists()
