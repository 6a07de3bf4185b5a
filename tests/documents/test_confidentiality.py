"""Confidentiality (BRIEF §1.6, S04): deny by default. One matrix, every level × person × way out
(detail, files, content, list, search, count, notification, report, export; forward below) — zero
leaks, and every opening of confidential content on the document's audit stream."""

import io
import subprocess
from datetime import date, timedelta

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone, translation

from documents import access, grants, numbering, records
from documents.models import Direction, Document
from engine import services
from engine.models import AuditEvent, ProcessInstance
from exchange import sending
from exchange.exceptions import NotSendable
from exchange.models import Delivery, OutboxPacket

from ..bpmn_helpers import process
from ..directory.helpers import fresh
from ..exchange.helpers import PROVINCE, make_peer

LEVELS = ["", "mat", "toi_mat", "tuyet_mat"]
PDF = b"%PDF-1.7\n% noi dung\n"
SUBJECT = "Kế hoạch bảo vệ bí mật nhà nước năm 2027"
# one word of each level's subject and notation, short enough that no report column wraps it
TAG = {"": "qxa1", "mat": "qxb2", "toi_mat": "qxc3", "tuyet_mat": "qxd4"}
NOTATION = {"": "KH/CAA", "mat": "KH/CAB", "toi_mat": "KH/CAC", "tuyet_mat": "KH/CAD"}

# who, and what they must get: (sees metadata, sees the subject of a Tuyệt mật one, opens the content)
PEOPLE = {
    "vanthu": "clerk",              # keeps the register: metadata only when confidential
    "chuyenvien2": "granted",       # granted by the Bí thư
    "chuyenvien": "ungranted",      # a specialist of the same committee, no grant
    "bithu": "competent",           # the Bí thư: the competent person
    "phobithu": "leader",           # a leader (supervisor) of the body, no grant
    "admin": "admin",               # process administrator: metadata only
    "vanthuubnd": "other_body",     # the People's Committee's clerk
}


def expected(role: str, level: str) -> dict:
    """Documents reach people through the office (clerk, leaders, the competent person), through work
    on them, or through a grant; content and a Tuyệt mật subject only through a grant or competence."""
    confidential = bool(level)
    sees = role in ("clerk", "competent", "leader", "admin") or (role == "granted" and confidential)
    opens = sees and role != "admin" and (not confidential or role in ("granted", "competent"))
    subject = sees and (level != "tuyet_mat" or role in ("granted", "competent"))
    return {"sees": sees, "opens": opens, "subject": subject}


def subject(level: str) -> str:
    return f"{SUBJECT} {TAG[level]}"


def reported(role: str, level: str, secret_register: bool) -> bool:
    """Whether the document's row is in a report of that register the person gets: confidential rows
    only in the secret register's, which only its clerk and the competent person get; open rows in
    the open register's, which the body's office and the administrators get."""
    if bool(level) != secret_register:
        return False
    return role in ("clerk", "competent") if secret_register else role in ("clerk", "competent", "leader", "admin")


NOTICE = process("""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="tell"/>
    <bpmn:serviceTask id="tell"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="documents.notify" resultVariable="told">
        <spiffworkflow:parameters>
          <spiffworkflow:parameter id="to" type="any" value="people"/>
          <spiffworkflow:parameter id="kind" type="str" value="'reminder'"/>
          <spiffworkflow:parameter id="message" type="str" value="'Văn bản được giao sắp đến hạn giải quyết'"/>
        </spiffworkflow:parameters></spiffworkflow:serviceTaskOperator></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="tell" targetRef="end"/>
    <bpmn:endEvent id="end"/>""", "notice_about")


@pytest.fixture
def papers(office, files_dir, deploy_bpmn):
    bithu = User.objects.get(username="bithu")
    deploy_bpmn(NOTICE, "notice_about")
    made = {}
    for level in LEVELS:
        document = records.save(Document(direction=Direction.INCOMING, body="dang_uy_xa", subject=subject(level),
                                         code_number="07", code_notation=NOTATION[level],
                                         organ_name="Công an tỉnh", confidentiality=level))
        records.register_incoming(document)
        if level in ("", "mat"):
            records.attach(document, PDF, name="ke-hoach.pdf")
        if level:
            grants.grant(document, username="chuyenvien2", subject=True, actor=bithu)
        # the reminder every person of the matrix gets about it, through the notice service task
        services.start("notice_about", actor=bithu, body="dang_uy_xa",
                       data={"document_id": str(document.pk), "people": list(PEOPLE)})
        made[level] = document
    return made


@pytest.fixture
def outgoing(office, files_dir):
    """An outgoing document of each level, numbered, dated and addressed to an organ a peer serves."""
    make_peer(organ_ids=(PROVINCE,))
    made = {}
    for level in LEVELS:
        document = records.save(Document(
            direction=Direction.OUTGOING, body="dang_uy_xa", subject=subject(level), code_number="21",
            code_notation=f"CV/ĐU{TAG[level]}", issued_date=timezone.localdate(), organ_name="Đảng ủy xã Vĩnh An",
            confidentiality=level, recipients=[{"organ_id": PROVINCE, "organ_name": "Tỉnh ủy"}]))
        if level in ("", "mat"):
            records.attach(document, PDF, name="cong-van.pdf")
        made[level] = document
    return made


def pdf_text(content: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
                          ).stdout.decode()


def xlsx_text(content: bytes) -> str:
    sheets = openpyxl.load_workbook(io.BytesIO(content)).worksheets
    return "\n".join(" | ".join(str(cell) for cell in row if cell is not None)
                     for sheet in sheets for row in sheet.iter_rows(values_only=True))


def web_page(username: str) -> str:
    browser = Client()
    browser.force_login(User.objects.get(username=username))
    page = browser.get("/thong-bao/")
    assert page.status_code == 200, (username, page.status_code)
    return page.content.decode()


@pytest.mark.parametrize("username", list(PEOPLE))
def test_every_way_out_shows_exactly_what_the_rules_allow(client_of, papers, outgoing, username, settings):
    settings.WEB = {**settings.WEB, "SECOND_FACTOR_ROLES": []}  # the notices page without a second factor
    role, client = PEOPLE[username], client_of(username)
    listed = {row["id"]: row for row in client.get("/api/v1/documents/?page_size=200").json()["results"]}
    found = {row["id"] for row in client.get("/api/v1/documents/", {"search": "bao ve bi mat"}).json()["results"]}
    counted = client.get("/api/v1/documents/?confidentiality=tuyet_mat&direction=incoming").json()["count"]
    for level, document in papers.items():
        want, key = expected(role, level), str(document.pk)
        detail = client.get(f"/api/v1/documents/{key}/")
        files = client.get(f"/api/v1/documents/{key}/files/")
        where = (username, level or "thuong")
        if not want["sees"]:
            assert (detail.status_code, files.status_code, key in listed, key in found) == (
                404, 404, False, False), where
            continue
        assert detail.status_code == 200 and key in listed, where
        shown = detail.json()
        assert shown["subject"] == (subject(level) if want["subject"] else access.HIDDEN_SUBJECT), where
        assert listed[key]["subject"] == shown["subject"], where
        assert shown["content_open"] is want["opens"], where
        assert (key in found) is want["subject"], where  # search never matches a subject one may not see
        assert files.status_code == (200 if want["opens"] else 403), where
        if want["opens"] and level in ("", "mat"):
            [row] = files.json()
            content = client.get(f"/api/v1/documents/{key}/content/", {"file": row["id"]})
            assert content.status_code == 200 and content.content == PDF, where
    assert counted == (1 if expected(role, "tuyet_mat")["sees"] else 0)

    # notification: every person got a reminder about each document (API and page); it names the
    # document only to those who see it, and never a confidential subject (the text outlives grants)
    api_notices = client.get("/api/v1/notifications/?page_size=100").json()["results"]
    assert len(api_notices) == len(LEVELS), username
    for where, text in (("api", "\n".join(n["message"] for n in api_notices)), ("page", web_page(username))):
        assert text.count("Văn bản được giao sắp đến hạn giải quyết") == len(LEVELS), (username, where)
        assert "noi dung" not in text
        for level in papers:
            want, at = expected(role, level), (username, level or "thuong", where)
            assert (f"07-{NOTATION[level]}" in text) is want["sees"], at
            assert (TAG[level] in text) is (want["sees"] and not level), at

    # report: the register books and follow-up reports, read back as XLSX and PDF
    period = f"since=2026-01-01&until={(date.today() + timedelta(days=1)).isoformat()}"
    for secret in (False, True):
        register = numbering.register_for("dang_uy_xa", Direction.INCOMING, secret=secret)
        for kind in ("book", "follow_up"):
            for output, read in (("xlsx", xlsx_text), ("pdf", pdf_text)):
                response = client.get(f"/api/v1/registers/{register.pk}/report/?kind={kind}&output={output}&{period}")
                at = (username, "secret" if secret else "open", kind, output)
                gets = role in (("clerk", "competent") if secret else ("clerk", "competent", "leader", "admin"))
                if not gets:
                    assert response.status_code == (403 if role in ("leader", "admin") else 404), at
                    continue
                assert response.status_code == 200, at
                text = read(response.content)
                for level in LEVELS:
                    row = reported(role, level, secret)
                    listed = f"07-{NOTATION[level]}" in text
                    assert listed is row if kind == "book" else (not listed or row), (*at, level)
                    assert TAG[level] not in text or (row and expected(role, level)["subject"]), (*at, level)
                    if kind == "book" and row:
                        assert (TAG[level] in text) is expected(role, level)["subject"], (*at, level)

    # export: nothing confidential leaves for another organisation, whoever sends it; nothing written
    user = User.objects.get(username=username)
    for level, document in outgoing.items():
        if not level:
            [delivery] = sending.send(document, actor=user)
            assert (delivery.organ_id, delivery.status) == (PROVINCE, "pending")
            assert TAG[level].encode() in bytes(delivery.packet.packet)
            continue
        with translation.override("vi"), pytest.raises(NotSendable) as refused:
            sending.send(document, actor=user)
        assert refused.value.message == "Văn bản mật không gửi qua liên thông điện tử; hãy gửi bản giấy.", level
        assert not Delivery.objects.filter(document=document).exists()
        assert not OutboxPacket.objects.filter(document=document).exists()
        assert Document.objects.get(pk=document.pk).exchange_id is None


def test_every_opening_of_confidential_content_is_on_record(client_of, papers):
    secret = papers["mat"]
    stream = f"document:{secret.pk}"
    before = AuditEvent.objects.filter(stream=stream, action="confidential_opened").count()
    reader = client_of("chuyenvien2")
    [row] = reader.get(f"/api/v1/documents/{secret.pk}/files/").json()
    reader.get(f"/api/v1/documents/{secret.pk}/content/", {"file": row["id"]})
    opened = AuditEvent.objects.filter(stream=stream, action="confidential_opened").order_by("seq")
    assert opened.count() == before + 2
    assert [e.actor_name for e in opened][-2:] == ["chuyenvien2", "chuyenvien2"]
    refused = client_of("vanthu").get(f"/api/v1/documents/{secret.pk}/files/")
    assert refused.status_code == 403
    assert AuditEvent.objects.filter(stream="access", action="access_denied", actor__username="vanthu").exists()


def test_only_the_competent_person_grants_and_revokes(client_of, papers):
    secret = papers["toi_mat"]
    assert client_of("vanthu").post(f"/api/v1/documents/{secret.pk}/grants/", {"username": "chuyenvien"},
                                    format="json").status_code == 403
    granted = client_of("bithu").post(f"/api/v1/documents/{secret.pk}/grants/", {"username": "chuyenvien"},
                                      format="json")
    assert granted.status_code == 201
    chuyenvien = client_of("chuyenvien")
    assert chuyenvien.get(f"/api/v1/documents/{secret.pk}/").json()["content_open"] is True
    assert client_of("phobithu").post(f"/api/v1/document-grants/{granted.json()['id']}/revoke/").status_code == 403
    assert client_of("bithu").post(f"/api/v1/document-grants/{granted.json()['id']}/revoke/").status_code == 200
    assert chuyenvien.get(f"/api/v1/documents/{secret.pk}/").status_code == 404
    actions = list(AuditEvent.objects.filter(stream=f"document:{secret.pk}").values_list("action", flat=True))
    assert actions.count("access_granted") == 2 and actions.count("access_revoked") == 1


def test_another_body_reaches_no_document_operation(client_of, papers):
    # every document and register operation of the API's object matrix, for the People's Committee's clerk
    from ..api.test_bola import OBJECT_OPERATIONS

    outsider, bithu = client_of("vanthuubnd"), User.objects.get(username="bithu")
    grant = grants.grant(papers["mat"], username="chuyenvien", subject=True, actor=bithu)
    register = papers["mat"].register
    denials = AuditEvent.objects.filter(stream="access", action="access_denied").count()
    checked = 0
    for method, path, kind in OBJECT_OPERATIONS:
        if kind != "document":
            continue
        target = grant.pk if "grants/{id}" in path else register.pk if "registers" in path else papers["mat"].pk
        response = getattr(outsider, method)(path.format(id=target), {"username": "vanthuubnd"}, format="json")
        assert response.status_code == 404, (method, path, response.status_code)
        checked += 1
    assert checked == 14  # … with recall (S08) and a draft's versions
    assert AuditEvent.objects.filter(stream="access", action="access_denied").count() == denials + checked
    assert {row["body"] for row in outsider.get("/api/v1/registers/").json()["results"]} == {"ubnd_xa"}  # their own


def test_the_process_data_of_a_confidential_document_follows_its_content_rule(client_of, papers):
    vanthu = client_of("vanthu")
    started = vanthu.post("/api/v1/process-definitions/incoming_document/start/", {"data": {"subject": SUBJECT}},
                          format="json").json()
    records.handled_by(papers["mat"], ProcessInstance.objects.get(pk=started["id"]))
    # the clerk works on the process but may not read the document: no process data for her
    assert vanthu.get(f"/api/v1/process-instances/{started['id']}/").json()["data"] is None
    # the Bí thư supervises the body and may read it
    assert client_of("bithu").get(f"/api/v1/process-instances/{started['id']}/").json()["data"]["subject"] == SUBJECT


def test_nothing_confidential_is_forwarded(papers):
    assert access.may_forward(papers[""]) is True
    assert not any(access.may_forward(papers[level]) for level in ("mat", "toi_mat", "tuyet_mat"))


def test_the_competent_person_is_the_secretary_of_the_document_s_own_body(papers):
    bithu, chutich = User.objects.get(username="bithu"), User.objects.get(username="chutich")
    assert access.is_competent(fresh(bithu), papers["mat"])
    assert not access.is_competent(fresh(chutich), papers["mat"])  # the People's Committee's chairman
