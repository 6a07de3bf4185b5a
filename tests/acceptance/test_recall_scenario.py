"""Acceptance scenario S08 (BRIEF §8): recall and correction of an issued document, through the REST
API. The Đảng ủy issued "Thông báo 15-TB/ĐU" with a wrong meeting date to the People's Committee of
the commune (a body of this system) and to the provincial Party Committee (another system, a peer).

- A format or procedure error → a corrective công văn (đính chính) referencing 15-TB/ĐU: an edXML
  update to the province, a copy linked to the first one at the People's Committee.
- A content error → a replacement of the same form (a thông báo), which recalls 15-TB/ĐU when issued.
- The recall: the sender's copy frozen (read-only, "THU HỒI" in its metadata); the copies taken back
  — at the People's Committee at once, at the province by an edXML revoke packet whose answer (15)
  shows in the sender's register; every step on record.
- Failure case: the People's Committee had already forwarded its copy inside (the Economic Office
  leads, its head gave it to a specialist; the Office co-operates): those forwarded copies are
  revoked too, each with its audit entry.

The original, the correction and the replacement are each issued through the whole outgoing
procedure over the API (the ``issued`` fixture): the correction and the replacement name their
original when they are started (``corrects`` / ``replaces``).
"""

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from directory.models import Body
from documents import blobs
from documents.models import Direction, Document, DocumentType, NumberSeries, Register
from engine.models import AuditEvent, ProcessInstance
from exchange import attempts
from exchange.edxml import BusinessType, Organ, ResponseFor, StaffInfo, build_status_packet, parse
from exchange.models import Arrival, OutboxPacket
from signing.verify import verify_pdf

from ..directory.helpers import hold, post
from ..documents.test_conversion import pdf_text
from ..exchange.helpers import PARTY, PROVINCE, STATE, PeerServer, make_peer
from ..outgoing.flow import certificates, complete, complete_listed, document_of, sign, start

PARTY_BODY = "dang_uy_xa"

NOTICE_SUBJECT = "Thông báo lịch họp Ban Chấp hành Đảng bộ xã tháng 12"
REASON = "Thông báo ghi sai ngày họp: nội dung sai, phải thu hồi và ban hành văn bản thay thế."


def deliver_all() -> None:
    """What the outbox's workers do: every pending row once."""
    for row in OutboxPacket.objects.filter(state="pending").order_by("created_at"):
        attempts.deliver(row.pk)


@pytest.fixture
def province(settings, tmp_path):
    """The provincial Party Committee's system: a real HTTP endpoint that takes every packet."""
    settings.MEDIA_ROOT = tmp_path / "files"
    server = PeerServer([(201, {"outcome": "accepted"})]).start()
    peer, key = make_peer(url=server.url)
    yield server, key
    server.stop()


@pytest.fixture
def issued(demo, register, province, client_of):
    """``issued(kind, subject, corrects=None, replaces=None)``: an outgoing document of the Đảng ủy to
    the People's Committee and the province, through the whole outgoing procedure over the API (drafted
    by chuyenvien, approved, checked, signed by the Phó Bí thư, numbered, sealed by the clerk, issued),
    then handed over as the outbox's workers do. The thông báo series stands at 14 in this term, the
    công văn series at 15."""
    certs = certificates(register)
    party_out = Register.objects.get(body__code=PARTY_BODY, direction=Direction.OUTGOING, secret=False)
    for code, last in (("thong_bao", 14), ("cong_van", 15)):
        NumberSeries.objects.create(register=party_out, period=party_out.term,
                                    document_type=DocumentType.objects.get(code=code), last_number=last)
    people = {name: client_of(name) for name in ("chuyenvien", "truongbanxdd", "chanhvp", "phobithu", "vanthu")}

    def issue(kind: str, subject: str, *, corrects: Document | None = None,
              replaces: Document | None = None) -> Document:
        links = {key: str(original.pk) for key, original in (("corrects", corrects), ("replaces", replaces))
                 if original is not None}
        instance = start(people["chuyenvien"], links)["id"]
        complete(people["chuyenvien"], instance, "draft", {
            "document_type": kind, "subject": subject, "urgency": "thuong",
            "body_text": "Ban Thường vụ Đảng ủy xã thông báo lịch họp Ban Chấp hành tháng 12.",
            "number_text": f"Số …-{'TB' if kind == 'thong_bao' else 'CV'}/ĐU",
            "signature_block": "T/M BAN THƯỜNG VỤ\nPHÓ BÍ THƯ", "recipients": [STATE, PROVINCE]})
        complete(people["truongbanxdd"], instance, "content_approval", {"decision": "approve"})
        complete(people["chanhvp"], instance, "format_check", {"decision": "approve"})
        complete(people["phobithu"], instance, "signer_approval", {"decision": "approve"})
        sign(people["phobithu"], instance, "sign_person", certs["phobithu"])
        sign(people["vanthu"], instance, "seal", certs["dang_uy_xa"])
        deliver_all()
        document = document_of(instance)
        # the number the register gave is printed in the issued PDF, between the two valid signatures
        main = blobs.read(document.files.get(role="main").blob)
        assert f"Số {document.code_number}-{document.code_notation}" in pdf_text(main)
        assert [s["valid"] for s in verify_pdf(main).signatures] == [True, True]
        return document

    return issue


def copy_at_the_committee(number: str) -> Document:
    """The People's Committee's copy of the Đảng ủy's document ``number`` ("15-TB/ĐU")."""
    code_number, code_notation = number.split("-", 1)
    return Document.objects.get(direction=Direction.INCOMING, body="ubnd_xa", code_number=code_number,
                                code_notation=code_notation)


def forward_inside(client_of, copy: Document) -> str:
    """The People's Committee registers its copy; the Chủ tịch gives it to the Economic Office (lead) and
    the Office (co-operating); the Economic Office's head gives it to his specialist."""
    unit = Body.objects.get(code="phong_kinh_te")  # the specialist of the unit (the demo's State units have none)
    hold(User.objects.get(username="kinhte"), post(unit, "Chuyên viên của Phòng", ("chuyen_vien", unit)))
    instance = str(Arrival.objects.get(document=copy).instance_id)
    clerk = client_of("vanthuubnd")
    complete_listed(clerk, instance, "receive", {"valid": True})
    complete_listed(clerk, instance, "register", {"urgency": copy.urgency, "organ_name": copy.organ_name,
                                           "code_number": copy.code_number, "code_notation": copy.code_notation,
                                           "subject": copy.subject, "document_type": "thong_bao"})
    complete_listed(clerk, instance, "present", {"presented_to": "chutich"})
    complete_listed(client_of("chutich"), instance, "assign", {
        "lead_unit": "phong_kinh_te", "co_units": ["van_phong_hdnd_ubnd"], "deadline": "2030-12-31",
        "instructions": "Phòng Kinh tế chuẩn bị tài liệu cho cuộc họp"})
    complete_listed(client_of("truongphongkt"), instance, "distribute", {"lead_handler": "kinhte"})
    return instance


def province_says(document: Document, code: str, key: str) -> None:
    """The province's system answers with a status packet about ``document``."""
    raw = build_status_packet(reporter=Organ(PROVINCE, "Tỉnh ủy Hà Tĩnh"),
                              response_for=ResponseFor(PARTY, f"{document.code_number}/{document.code_notation}",
                                                       document.issued_date, document.exchange_id),
                              status=code, staff=StaffInfo(staff="Lê Thị Hoa"))
    answer = APIClient().post("/api/v1/exchange/packets/", data=raw, content_type="application/xml",
                              HTTP_AUTHORIZATION=f"Bearer {key}")
    assert answer.status_code == 200, answer.content


def deliveries_of(client, document: Document) -> dict:
    answer = client.get(f"/api/v1/documents/{document.pk}/deliveries/")
    assert answer.status_code == 200, answer.content
    return {row["organ_id"]: row for row in answer.json()}


def test_s08_a_format_error_is_corrected_by_a_corrective_cong_van_referencing_15_tb_du(client_of, issued, province):
    server, _key = province
    original = issued("thong_bao", NOTICE_SUBJECT)
    vanthu = client_of("vanthu")

    correction = issued("cong_van", "V/v đính chính Thông báo số 15-TB/ĐU", corrects=original)

    shown = vanthu.get(f"/api/v1/documents/{correction.pk}/").json()
    assert shown["links"] == [{"kind": "corrects", "direction": "out", "document": str(original.pk),
                               "number": "15-TB/ĐU"}]
    assert vanthu.get(f"/api/v1/documents/{original.pk}/").json()["status"] == "issued"  # still in force
    # the province gets an edXML update naming 15-TB/ĐU's DocumentId
    update = parse(server.received[-1].body)
    assert (update.business.doc_type, update.business.document_id) == (BusinessType.UPDATE, original.exchange_id)
    assert "15-TB/ĐU" in update.business.reason
    # the People's Committee's copy of the correction points to its copy of 15-TB/ĐU
    clerk = client_of("vanthuubnd")
    copy_links = clerk.get(f"/api/v1/documents/{copy_at_the_committee('16-CV/ĐU').pk}/").json()["links"]
    first_copy = copy_at_the_committee("15-TB/ĐU")
    assert copy_links == [{"kind": "corrects", "direction": "out", "document": str(first_copy.pk),
                           "number": "15-TB/ĐU"}]


def test_s08_a_content_error_is_replaced_by_a_thong_bao_which_recalls_15_tb_du(client_of, issued, province):
    server, key = province
    original = issued("thong_bao", NOTICE_SUBJECT)
    forward_inside(client_of, copy_at_the_committee("15-TB/ĐU"))

    replacement = issued("thong_bao", NOTICE_SUBJECT + " (thay thế)", replaces=original)

    vanthu = client_of("vanthu")
    shown = vanthu.get(f"/api/v1/documents/{original.pk}/").json()
    assert (shown["status"], shown["description"]) == ("recalled", "THU HỒI")
    assert "16-TB/ĐU" in shown["recalled"]["reason"]
    assert {"kind": "replaces", "direction": "in", "document": str(replacement.pk), "number": "16-TB/ĐU"} in \
        shown["links"]
    bodies = [parse(request.body) for request in server.received[-2:]]
    kinds = sorted((packet.business.doc_type, packet.document_id) for packet in bodies)
    assert kinds == sorted([(BusinessType.REVOKE, original.exchange_id),
                            (BusinessType.REPLACE, replacement.exchange_id)])
    # the People's Committee: the old copy gone from its specialist, the new one linked to it
    assert client_of("kinhte").get(f"/api/v1/documents/{copy_at_the_committee('15-TB/ĐU').pk}/").status_code == 404
    links = client_of("vanthuubnd").get(f"/api/v1/documents/{copy_at_the_committee('16-TB/ĐU').pk}/").json()["links"]
    assert links == [{"kind": "replaces", "direction": "out", "document": str(copy_at_the_committee("15-TB/ĐU").pk),
                      "number": "15-TB/ĐU"}]
    province_says(original, "15", key)
    assert {organ: row["status"] for organ, row in deliveries_of(vanthu, original).items()} == {
        STATE: "recalled", PROVINCE: "recalled"}


def test_s08_recall_freezes_15_tb_du_and_revokes_the_copies_forwarded_internally(client_of, issued, province):
    server, key = province
    original = issued("thong_bao", NOTICE_SUBJECT)
    copy = copy_at_the_committee("15-TB/ĐU")
    instance = forward_inside(client_of, copy)
    kinhte, clerk, vanthu = client_of("kinhte"), client_of("vanthuubnd"), client_of("vanthu")
    [row] = kinhte.get(f"/api/v1/documents/{copy.pk}/files/").json()
    assert kinhte.get(f"/api/v1/documents/{copy.pk}/content/", {"file": row["id"]}).status_code == 200
    url = f"/api/v1/documents/{original.pk}/recall/"

    # the People's Committee cannot recall the Đảng ủy's document; the Đảng ủy's clerk does, with a reason
    assert clerk.post(url, {"reason": REASON}, format="json").status_code == 404
    assert vanthu.post(url, {}, format="json").status_code == 400
    answer = vanthu.post(url, {"reason": REASON}, format="json")
    assert answer.status_code == 200, answer.content

    # the sender's copy: frozen, marked THU HỒI, recalled once only, nothing sent again
    shown = answer.json()
    assert (shown["status"], shown["description"]) == ("recalled", "THU HỒI")
    assert (shown["recalled"]["by"], shown["recalled"]["reason"]) == ("Phạm Thị Lan", REASON)
    assert vanthu.post(url, {"reason": REASON}, format="json").status_code == 409
    assert vanthu.get(f"/api/v1/documents/{original.pk}/files/").status_code == 200  # kept, read-only
    before = len(server.received)
    deliver_all()
    revoke = parse(server.received[-1].body)
    assert len(server.received) == before + 1 and revoke.business.doc_type == BusinessType.REVOKE
    assert (revoke.business.document_id, revoke.business.reason) == (original.exchange_id, REASON)

    # the People's Committee's copy and every copy forwarded inside: gone, on record by name
    for path in ("", "files/", f"content/?file={row['id']}"):
        assert kinhte.get(f"/api/v1/documents/{copy.pk}/{path}").status_code == 404, path
    assert client_of("truongphongkt").get(f"/api/v1/documents/{copy.pk}/").status_code == 404
    assert clerk.get(f"/api/v1/documents/{copy.pk}/").json()["recalled"]["organ"] == "Đảng ủy xã Vĩnh An"
    assert clerk.get(f"/api/v1/documents/{copy.pk}/files/").status_code == 403
    assert ProcessInstance.objects.get(pk=instance).status == "cancelled"
    revoked = {event.after["person"]["username"]: event.after["keeps"] for event in AuditEvent.objects.filter(
        stream=f"document:{copy.pk}", action="access_revoked")}
    assert revoked["kinhte"] == revoked["truongphongkt"] == "nothing"
    assert revoked["chanhvpubnd"] == revoked["vanthuubnd"] == "metadata"

    # the sender's register: taken back here at once; at the province when its system says so (15)
    assert {organ: row["status"] for organ, row in deliveries_of(vanthu, original).items()} == {
        STATE: "recalled", PROVINCE: "recalling"}
    province_says(original, "15", key)
    register = deliveries_of(vanthu, original)
    assert register[PROVINCE]["status"] == "recalled"
    assert [event["status"] for event in register[PROVINCE]["history"]][-2:] == ["recalling", "recalled"]
    # every step on the document's own trail
    trail = set(AuditEvent.objects.filter(stream=f"document:{original.pk}").values_list("action", flat=True))
    assert {"document_recalled", "delivery_status"} <= trail
