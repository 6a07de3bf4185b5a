"""Acceptance scenarios S05 and S06 (BRIEF §8) for the outgoing procedure, driven through the REST
API by the demo commune's people; signatures through the signing steps with the test PKI's keys,
verified by pyHanko; the in-house deliveries handed over as the exchange worker does.

S06's year rollover runs at 31/12/2026 → 02/01/2027 rather than the brief's 2025 → 2026: the test
PKI is made today (its certificates start yesterday), and the rule (a State series restarts on
1 January) does not depend on the year.
"""

import subprocess
from datetime import date

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from directory import delegations
from directory.models import Body, Delegation, Position, Role
from documents import blobs, numbering
from documents.models import Direction, Document, DocumentType, HandlingStatus, NumberSeries, Register
from engine.models import AuditEvent, ProcessInstance
from exchange import attempts
from exchange.models import Delivery, OutboxPacket, PacketKind
from outgoing.models import DraftVersion, Review
from signing import trust
from signing.render import render_document
from signing.sign import sign_as_organisation
from signing.testing.example import decision_metadata
from signing.verify import verify_pdf

from ..directory.helpers import hold, post
from ..exchange.helpers import PROVINCE, check_document_packet, make_peer
from ..outgoing.flow import PLAN, certificates, complete, document_of, open_task, run_jobs, sign, start
from ..signing.conftest import BODY, P12_PASSWORD
from ..vn_time import at, fresh_calendar  # noqa: F401 - the fixture, used through pytestmark

pytestmark = pytest.mark.usefixtures("fresh_calendar", "demo")

CELLS = [f"{100 + n:03d}.25.41.A41" for n in range(1, 35)]


def _clerks_for_the_cells():
    """The demo has a clerk in cell 1 only; each other cell's secretary keeps its documents too."""
    for n in range(2, 35):
        cell = Body.objects.get(code=f"chi_bo_{n:02d}")
        user = get_user_model().objects.create_user(username=f"bithuchibo{n}", password="x")
        hold(user, post(cell, "Bí thư chi bộ", ("van_thu", cell), ("lanh_dao", cell)))


def _content(document: Document, role: str = "main") -> bytes:
    return blobs.read(document.files.filter(role=role).order_by("-version").first().blob)


def _verified(pdf: bytes):
    report = verify_pdf(pdf)
    return [(s["signer"]["holder"] if s["signer"] else None, s["valid"]) for s in report.signatures]


def _printed(pdf: bytes, number_line: str, day: date) -> None:
    """The number line and the date line read from the page (BRIEF §1.7: leading zeros), and pyHanko
    sees the fill as form filling: the person's signature valid, the organisation's over all of it."""
    header = " ".join(subprocess.run(["pdftotext", "-l", "1", "-", "-"], input=pdf, capture_output=True,
                                     check=True).stdout.decode().split())
    assert number_line in header and f"Vĩnh An, ngày {day:%d} tháng {day:%m} năm {day.year}" in header
    assert "…" not in header
    person, organisation = verify_pdf(pdf).signatures
    assert person["valid"] and person["modification_level"] == "form_filling"
    assert organisation["valid"] and (organisation["coverage"] == "entire_file"
                                      or organisation["changes_after_signing"] == "validation_data")


# --- S05 ------------------------------------------------------------------------------------------
def test_s05_party_plan_rejected_for_its_state_style_number_reworked_signed_numbered_06_and_issued(
        client_of, register):
    certs = certificates(register)
    _clerks_for_the_cells()
    make_peer("Tỉnh ủy Hà Tĩnh", organ_ids=[PROVINCE])
    kh = DocumentType.objects.get(code="ke_hoach")
    party_out = Register.objects.get(body__code="dang_uy_xa", direction=Direction.OUTGOING, secret=False)
    NumberSeries.objects.create(register=party_out, period="2025-2030", document_type=kh, last_number=5)
    chuyenvien, truongban, chanhvp = client_of("chuyenvien"), client_of("truongbanxdd"), client_of("chanhvp")
    phobithu, vanthu = client_of("phobithu"), client_of("vanthu")

    instance = start(chuyenvien)["id"]
    draft = {**PLAN, "recipients": CELLS + [PROVINCE]}
    complete(chuyenvien, instance, "draft", draft)  # "Số: 05/KH-ĐU": the State style
    complete(truongban, instance, "content_approval", {"decision": "approve"})
    # the format check lists the mixed style for the Chánh Văn phòng, who rejects with comments
    task = chanhvp.get(f"/api/v1/tasks/{open_task(instance, 'format_check').pk}/").json()
    findings = task["form"]["data"]["format_check"]["findings"]
    assert [f["code"] for f in findings] == ["wrong_style"] and findings[0]["expected"] == "Số 05-KH/ĐU"
    complete(chanhvp, instance, "format_check", {"decision": "reject",
                                                  "comment": "Số, ký hiệu văn bản Đảng: “Số …-KH/ĐU”"})
    returned = chuyenvien.get(f"/api/v1/tasks/{open_task(instance, 'draft').pk}/").json()
    assert returned["assignee"] == "chuyenvien"
    document = document_of(instance)
    versions = chuyenvien.get(f"/api/v1/documents/{document.pk}/versions/").json()
    assert versions[0]["reviews"][-1]["comment"] == "Số, ký hiệu văn bản Đảng: “Số …-KH/ĐU”"
    # corrected, approved again, then by the Phó Bí thư
    complete(chuyenvien, instance, "draft", {**draft, "number_text": "Số …-KH/ĐU"})
    complete(truongban, instance, "content_approval", {"decision": "approve"})
    assert open_task(instance, "format_check")
    format_task = chanhvp.get(f"/api/v1/tasks/{open_task(instance, 'format_check').pk}/").json()
    assert format_task["form"]["data"]["format_check"]["ok"] is True
    complete(chanhvp, instance, "format_check", {"decision": "approve"})
    complete(phobithu, instance, "signer_approval", {"decision": "approve"})

    # (b) the drafter edits after approval: the approval is void and it goes back to the Phó Bí thư
    edited = chuyenvien.post(f"/api/v1/documents/{document.pk}/versions/", {
        "fields": {"body_text": PLAN["body_text"] + "\n\nII. NỘI DUNG\n\nTổ chức học tập, quán triệt."}},
        format="json")
    assert edited.status_code == 201, edited.content
    assert edited.json()["approved"] is False and edited.json()["changes"] == ["body_text"]
    assert open_task(instance, "signer_approval").assignee.username == "phobithu"
    voided = AuditEvent.objects.get(instance_id=instance, action="approval_voided")
    assert voided.before["version"] == 2 and voided.after["version"] == 3
    # a stranger to the draft cannot make a version
    assert truongban.post(f"/api/v1/documents/{document.pk}/versions/", {"fields": {"subject": "x"}},
                          format="json").status_code == 403
    complete(phobithu, instance, "signer_approval", {"decision": "approve"})
    approved = DraftVersion.objects.get(document=document, number=3)

    # (a) the Văn thư cannot apply the organisation signature before the Phó Bí thư signs
    sign_person = open_task(instance, "sign_person")
    assert vanthu.post(f"/api/v1/tasks/{sign_person.pk}/sign/", {"certificate": certs["dang_uy_xa"].pk,
                                                                 "secret": P12_PASSWORD},
                       format="json").status_code == 404
    refused = None
    try:
        sign_as_organisation(pdf=bytes(approved.file.pdf), certificate=certs["dang_uy_xa"],
                             approved_sha256=approved.sha256)
    except Exception as err:  # noqa: BLE001 - the refusal's code is what is checked
        refused = err
    assert getattr(refused, "code", "") == "personal_signature_missing"

    sign(phobithu, instance, "sign_person", certs["phobithu"])
    sign(vanthu, instance, "seal", certs["dang_uy_xa"])
    document.refresh_from_db()
    assert (document.code_number, document.code_notation, document.status) == ("06", "KH/ĐU", HandlingStatus.ISSUED)
    assert document.register == party_out and document.issued_date == date.today()
    assert ProcessInstance.objects.get(pk=instance).business_key == "06-KH/ĐU"
    issued = _content(document)
    assert _verified(issued) == [("Trần Thị Hà", True), ("Đảng ủy xã Vĩnh An", True)]
    assert issued.startswith(bytes(approved.file.pdf))  # the approved bytes are a prefix of the signed ones
    # the number and the issue date printed where the draft had "Số …-KH/ĐU" and "…, ngày … tháng … năm …"
    _printed(issued, "Số 06-KH/ĐU", document.issued_date)
    rounds = [(r.step, r.decision) for r in Review.objects.filter(version__document=document).order_by("pk")]
    assert rounds == [("content", "approve"), ("format", "reject"), ("content", "approve"), ("format", "approve"),
                      ("signer", "approve"), ("signer", "approve")]

    # issued the same day to the 34 cells (here) and sent to the Tỉnh ủy (an edXML packet to its peer)
    deliveries = Delivery.objects.filter(document=document)
    assert deliveries.count() == 35 and deliveries.filter(peer__isnull=False).get().organ_id == PROVINCE
    packet = OutboxPacket.objects.get(document=document, kind=PacketKind.DOCUMENT)
    assert check_document_packet(bytes(packet.packet))["to"] == [PROVINCE]
    for row in OutboxPacket.objects.filter(document=document, kind=PacketKind.LOCAL):
        attempts.deliver(row.pk)
    arrived = Document.objects.filter(direction=Direction.INCOMING, code_number="06", code_notation="KH/ĐU")
    assert arrived.count() == 34 and set(arrived.values_list("body", flat=True)) == {
        f"chi_bo_{n:02d}" for n in range(1, 35)}
    cell_clerk = client_of("bithuchibo1")
    worklist = cell_clerk.get("/api/v1/tasks/").json()["results"]
    assert any(t["bpmn_id"] == "receive" and "339-QĐ/TW" in t["subject"] for t in worklist)


# --- S06 ------------------------------------------------------------------------------------------
DECISION = {"document_type": "quyet_dinh", "subject": "Về việc thành lập Tổ công tác rà soát thủ tục hành chính",
            "body_text": "Điều 1. Thành lập Tổ công tác rà soát thủ tục hành chính của xã.\n\n"
                         "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
            "number_text": "Số: …/QĐ-UBND", "signature_block": "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH", "signer": "phochutich",
            "urgency": "thuong", "recipients": ["000.25.41.A41"]}


@pytest.fixture
def deputy_signs(db):
    """The Chủ tịch's written delegation: the Phó Chủ tịch signs KT. Chủ tịch in his field (S06)."""
    chairman = Position.objects.get(body__code="ubnd_xa", title="Chủ tịch UBND xã")
    delegations.delegate(kind=Delegation.Kind.KY_THAY, position=chairman,
                         delegator=User.objects.get(username="chutich"),
                         delegate_to=User.objects.get(username="phochutich"), valid_from=date(2025, 7, 1),
                         document="Quy chế làm việc của UBND xã (Quyết định 01/QĐ-UBND)",
                         roles=Role.objects.filter(code="chu_tich"))


def _decision(client_of, certs, *, appendix: bytes | None = None, expected_number=200) -> tuple[str, dict]:
    """Drafted to sealed; ``expected_number``: the answer to the person's signature, after which the
    number is given (a duplicate is refused there, the signature with it)."""
    kinhte, truongphong, chanhvp = client_of("kinhte"), client_of("truongphongkt"), client_of("chanhvpubnd")
    phochutich, vanthu = client_of("phochutich"), client_of("vanthuubnd")
    draft = dict(DECISION)
    if appendix is not None:
        stored = kinhte.post("/api/v1/signing/files/", {"file": SimpleUploadedFile(
            "phu-luc.pdf", appendix, content_type="application/pdf")}, format="multipart")
        assert stored.status_code == 201, stored.content
        draft["appendix_files"] = [stored.json()["id"]]
    instance = start(kinhte, body="ubnd_xa")["id"]
    complete(kinhte, instance, "draft", draft)
    complete(truongphong, instance, "content_approval", {"decision": "approve"})
    checked = chanhvp.get(f"/api/v1/tasks/{open_task(instance, 'format_check').pk}/").json()
    assert checked["form"]["data"]["format_check"]["ok"] is True, checked["form"]["data"]["format_check"]
    complete(chanhvp, instance, "format_check", {"decision": "approve"})
    complete(phochutich, instance, "signer_approval", {"decision": "approve"})
    answer = sign(phochutich, instance, "sign_person", certs["phochutich"], expected=expected_number)
    if expected_number == 200:
        answer = sign(vanthu, instance, "seal", certs["ubnd_xa"])
    return instance, answer


def test_s06_state_decision_with_an_appendix_signed_at_the_top_right_with_its_number(client_of, register,
                                                                                     deputy_signs):
    certs = certificates(register)
    state_out = Register.objects.get(body__code="ubnd_xa", direction=Direction.OUTGOING, secret=False)
    NumberSeries.objects.create(register=state_out, period=str(date.today().year), last_number=14)
    appendix_pdf = render_document(metadata=decision_metadata(), body=BODY).pdf  # a page of its own
    instance, _answer = _decision(client_of, certs, appendix=appendix_pdf)
    assert run_jobs(instance) == 1  # the appendix, signed by the organisation in the background
    document = document_of(instance)
    assert (document.code_number, document.code_notation, document.status) == ("15", "QĐ-UBND", "issued")
    main = _content(document)
    assert _verified(main) == [("Hoàng Văn Giang", True), ("Ủy ban nhân dân xã Vĩnh An", True)]
    text = subprocess.run(["pdftotext", "-", "-"], input=main, capture_output=True).stdout.decode()
    assert "KT. CHỦ TỊCH" in text and "PHÓ CHỦ TỊCH" in text
    _printed(main, "Số: 15/QĐ-UBND", document.issued_date)
    signed_appendix = _content(document, role="appendix")
    assert _verified(signed_appendix) == [("Ủy ban nhân dân xã Vĩnh An", True)]
    assert signed_appendix.startswith(appendix_pdf)
    stamp = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-", "-"], input=signed_appendix,
                                         capture_output=True).stdout.decode()
    assert "15/QĐ-UBND" in stamp and "+07:00" in stamp
    # a duplicate "15/QĐ-UBND" within the year: refused with the Appendix VI warning, no number consumed
    Document.objects.filter(pk=document.pk).update(code_number="16")  # a typing slip makes the next one 16 again
    _second, refusal = _decision(client_of, certs, expected_number=400)
    assert "Duplicate document" in str(refusal) or "trùng" in str(refusal).lower() or "đã" in str(refusal)
    assert NumberSeries.objects.get(register=state_out, period=str(date.today().year)).last_number == 15


def test_s06_rollover_the_last_number_of_the_year_then_01_on_2_january(client_of, register, deputy_signs, pki):
    certs = certificates(register)
    year = date.today().year
    state_out = Register.objects.get(body__code="ubnd_xa", direction=Direction.OUTGOING, secret=False)
    NumberSeries.objects.create(register=state_out, period=str(year), last_number=41)
    with time_machine.travel(at(year, 12, 31, 16, 30), tick=False):
        for crl in pki.crls_der_at(at(year, 12, 31, 16, 0)):  # the CAs' CRLs of that day
            trust.add_crl(crl=crl)
        last, _answer = _decision(client_of, certs)
    with time_machine.travel(at(year + 1, 1, 2, 8, 0), tick=False):
        for crl in pki.crls_der_at(at(year + 1, 1, 2, 7, 30)):
            trust.add_crl(crl=crl)
        first, _answer = _decision(client_of, certs)
        _printed(_content(document_of(first)), "Số: 01/QĐ-UBND", date(year + 1, 1, 2))  # "ngày 02 tháng 01"
    assert (document_of(last).code_number, document_of(last).issued_date) == ("42", date(year, 12, 31))
    assert (document_of(first).code_number, document_of(first).issued_date) == ("01", date(year + 1, 1, 2))
    assert numbering.period_of(state_out, at(year + 1, 1, 2, 8, 0)) == str(year + 1)
