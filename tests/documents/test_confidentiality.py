"""Confidentiality (BRIEF §1.6, S04): deny by default. One matrix, every level × person × way out
that exists today (detail, files, content, list, search, count, forward) — zero leaks, and every
opening of confidential content on the document's audit stream."""

import pytest
from django.contrib.auth.models import User

from documents import access, grants, records
from documents.models import Direction, Document
from engine.models import AuditEvent, ProcessInstance

from ..directory.helpers import fresh

LEVELS = ["", "mat", "toi_mat", "tuyet_mat"]
PDF = b"%PDF-1.7\n% noi dung\n"
SUBJECT = "Kế hoạch bảo vệ bí mật nhà nước năm 2027"

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


@pytest.fixture
def papers(office, files_dir):
    bithu = User.objects.get(username="bithu")
    made = {}
    for level in LEVELS:
        document = records.save(Document(direction=Direction.INCOMING, body="dang_uy_xa", subject=SUBJECT,
                                         code_number="07", code_notation=f"KH/CA-{level or 'thuong'}",
                                         organ_name="Công an tỉnh", confidentiality=level))
        records.register_incoming(document)
        if level in ("", "mat"):
            records.attach(document, PDF, name="ke-hoach.pdf")
        if level:
            grants.grant(document, username="chuyenvien2", subject=True, actor=bithu)
        made[level] = document
    return made


@pytest.mark.parametrize("username", list(PEOPLE))
def test_every_way_out_shows_exactly_what_the_rules_allow(client_of, papers, username):
    role, client = PEOPLE[username], client_of(username)
    listed = {row["id"]: row for row in client.get("/api/v1/documents/?page_size=200").json()["results"]}
    found = {row["id"] for row in client.get("/api/v1/documents/", {"search": "bao ve bi mat"}).json()["results"]}
    counted = client.get("/api/v1/documents/?confidentiality=tuyet_mat").json()["count"]
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
        assert shown["subject"] == (SUBJECT if want["subject"] else access.HIDDEN_SUBJECT), where
        assert listed[key]["subject"] == shown["subject"], where
        assert shown["content_open"] is want["opens"], where
        assert (key in found) is want["subject"], where  # search never matches a subject one may not see
        assert files.status_code == (200 if want["opens"] else 403), where
        if want["opens"] and level in ("", "mat"):
            [row] = files.json()
            content = client.get(f"/api/v1/documents/{key}/content/", {"file": row["id"]})
            assert content.status_code == 200 and content.content == PDF, where
    assert counted == (1 if expected(role, "tuyet_mat")["sees"] else 0)


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
    assert checked == 11
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
