# ruff: noqa: F811 - the API fixtures are imported by name and then used as test arguments
"""The signing API over HTTP: verifying an uploaded PDF and routing the incoming document (S03),
two-step signing with a USB token's key (right key valid, wrong key refused), S15, and who may see
or use what (BOLA: other people's requests, files, reports and certificates answer 404)."""

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, utils
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from engine.models import AuditEvent
from signing.models import DocumentFile, KeyStorage, RequestStatus, SignatureRequest, VerificationReport
from signing.verify import verify_pdf
from tests.api.conftest import client_of, generous_throttles  # noqa: F401 - shared API fixtures

PROBLEM = "application/problem+json"


def user(username):
    return get_user_model().objects.get(username=username)


def upload(client, url, pdf: bytes, name="van-ban.pdf", **fields):
    return client.post(url, {"file": SimpleUploadedFile(name, pdf, content_type="application/pdf"), **fields},
                       format="multipart")


def token_sign(private_key, digest_b64: str) -> str:
    """What VGCA Sign Service does with a USB token: sign the SHA-256 digest it is given."""
    digest = base64.b64decode(digest_b64)
    return base64.b64encode(private_key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))).decode()


def pem(issued) -> str:
    return issued.cert_pem.decode()


@pytest.fixture
def certificates(client_of, register):
    """The Bí thư's token certificate (key outside the server) and the Đảng ủy's (on the server)."""
    return {
        "bi_thu": register("bi_thu", storage=KeyStorage.EXTERNAL, user=user("bithu")),
        "dang_uy": register("dang_uy", body="dang_uy_xa"),
        "ubnd": register("ubnd", body="ubnd_xa"),
    }


def assert_denied(response, path_part):
    assert response.status_code == 404, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    denials = AuditEvent.objects.filter(action="access_denied").values_list("after", flat=True)
    assert any(path_part in d["path"] and d["status"] == 404 for d in denials)


# --- S03 ------------------------------------------------------------------------------------------
def test_invalid_incoming_pdf_is_returned_and_its_report_shown_only_to_participants(client_of, trusted, sealed):
    vanthu, bithu, chuyenvien = client_of("vanthu"), client_of("bithu"), client_of("chuyenvien")

    # the clerk uploads an incoming PDF altered after signing: it is verified on arrival
    uploaded = upload(vanthu, "/api/v1/signing/verifications/", sealed.replace(b"595.2756", b"595.2757", 1),
                      name="132-CV-TU.pdf")
    assert uploaded.status_code == 201, uploaded.content
    report = uploaded.json()
    assert (report["verdict"], report["valid"], report["signature_count"]) == ("invalid", False, 2)
    assert report["summary"].startswith("Kết quả kiểm tra chữ ký số: KHÔNG HỢP LỆ")
    assert report["report"]["signatures"][0]["problems"][0]["code"] == "not_intact"
    assert DocumentFile.objects.get(pk=report["file"]).kind == "incoming"

    # the process started with it returns the document to the sender, unregistered
    started = vanthu.post("/api/v1/process-definitions/incoming_document/start/",
                          {"data": {"verification_id": report["id"], "subject": "Công văn 132-CV/TU"}}, format="json")
    assert started.status_code == 201, started.content
    instance = started.json()
    assert instance["status"] == "completed" and instance["active_steps"] == []
    assert instance["completed_steps"] == []  # no receive, no register: no arrival number consumed

    # the report: the uploader and the body's leaders (who supervise the instance) see it, others do not
    path = f"/api/v1/signing/verifications/{report['id']}/"
    assert vanthu.get(path).json()["instance"] == instance["id"]
    seen = bithu.get(path)
    assert seen.status_code == 200 and seen.json()["summary"] == report["summary"]
    assert_denied(chuyenvien.get(path), path)
    assert_denied(client_of("vanthuubnd").get(path), path)


def test_valid_incoming_pdf_goes_to_the_clerk(client_of, trusted, sealed):
    vanthu = client_of("vanthu")
    report = upload(vanthu, "/api/v1/signing/verifications/", sealed).json()
    assert report["valid"] is True

    started = vanthu.post("/api/v1/process-definitions/incoming_document/start/",
                          {"data": {"verification_id": report["id"]}}, format="json").json()

    assert [s["bpmn_id"] for s in started["active_steps"]] == ["receive"]
    assert started["data"]["signature_check"]["valid"] is True


def test_an_unsigned_pdf_is_reported_unsigned_and_the_clerk_decides(client_of, trusted, party_document):
    vanthu = client_of("vanthu")

    # the clerk uploads a PDF without any signature (a scan of a paper document)
    uploaded = upload(vanthu, "/api/v1/signing/verifications/", party_document.pdf, name="ban-quet.pdf")
    assert uploaded.status_code == 201, uploaded.content
    report = uploaded.json()
    assert (report["verdict"], report["valid"], report["signature_count"]) == ("unsigned", False, 0)
    assert report["report"]["problems"][0]["code"] == "no_signatures"
    assert "KHÔNG HỢP LỆ" not in report["summary"]

    # the process does not return it: it waits for the clerk, who sees the check and registers it
    started = vanthu.post("/api/v1/process-definitions/incoming_document/start/",
                          {"data": {"verification_id": report["id"]}}, format="json")
    assert started.status_code == 201, started.content
    assert [s["bpmn_id"] for s in started.json()["active_steps"]] == ["receive"]
    check = started.json()["data"]["signature_check"]
    assert (check["verdict"], check["valid"], check["summary"]) == ("unsigned", False, report["summary"])
    task = vanthu.get("/api/v1/tasks/").json()["results"][0]
    done = vanthu.post(f"/api/v1/tasks/{task['id']}/complete/", {"data": {"valid": True}}, format="json")
    assert done.status_code == 200, done.content
    assert [t["bpmn_id"] for t in done.json()["next_tasks"]] == ["register"]


def test_a_file_that_is_not_a_pdf_is_reported_invalid(client_of, trusted):
    response = upload(client_of("vanthu"), "/api/v1/signing/verifications/", b"not a pdf at all", name="x.pdf")
    assert response.status_code == 201
    assert response.json()["verdict"] == "invalid"
    assert response.json()["report"]["problems"][0]["code"] == "unreadable"


def test_someone_elses_report_cannot_start_a_process(client_of, trusted, sealed):
    report = upload(client_of("vanthu"), "/api/v1/signing/verifications/", sealed).json()

    response = client_of("bithuchibo1").post("/api/v1/process-definitions/incoming_document/start/",
                                             {"data": {"verification_id": report["id"]}, "body": "chi_bo_01"},
                                             format="json")

    assert response.status_code == 400, response.content
    assert "verification_id" in response.json()["errors"]
    assert VerificationReport.objects.get(pk=report["id"]).instance_id is None


# --- two-step signing -----------------------------------------------------------------------------
def test_two_step_signing_through_the_api(client_of, certificates, pki, party_document):
    bithu, vanthu = client_of("bithu"), client_of("vanthu")

    # the Bí thư sees only their own certificate; the clerk sees the Đảng ủy's
    assert [c["id"] for c in bithu.get("/api/v1/signing/certificates/").json()["results"]] == [
        certificates["bi_thu"].pk]
    listed = vanthu.get("/api/v1/signing/certificates/").json()["results"]
    assert [c["id"] for c in listed] == [certificates["dang_uy"].pk]
    assert "secret_ref" not in listed[0] and "pkcs12_path" not in listed[0]

    # the approved document is stored, and the Bí thư asks for the digest to sign
    stored = upload(bithu, "/api/v1/signing/files/", party_document.pdf).json()
    assert stored["sha256"] == party_document.sha256
    prepared = bithu.post("/api/v1/signing/requests/", {"file": stored["id"], "certificate": certificates["bi_thu"].pk,
                                                        "purpose": "person"}, format="json")
    assert prepared.status_code == 201, prepared.content
    request = prepared.json()
    assert (request["status"], request["digest_algorithm"], request["signature_algorithm"]) == (
        "pending", "sha256", "rsassa_pkcs1v15")
    assert hashlib.sha256(base64.b64decode(request["data_to_sign"])).digest() == base64.b64decode(request["digest"])

    # a token holding another key answers: refused, and the request stays open
    wrong = bithu.post(f"/api/v1/signing/requests/{request['id']}/complete/",
                       {"signature": token_sign(pki.people["chu_tich"].key, request["digest"]),
                        "certificate": pem(pki.people["bi_thu"])}, format="json")
    assert wrong.status_code == 422, wrong.content
    assert wrong["Content-Type"].startswith(PROBLEM)
    assert wrong.json()["type"].endswith("/external_signature_mismatch")
    assert bithu.get(f"/api/v1/signing/requests/{request['id']}/").json()["status"] == "pending"

    # the Bí thư's own token answers: a new version, validly signed
    done = bithu.post(f"/api/v1/signing/requests/{request['id']}/complete/",
                      {"signature": token_sign(pki.people["bi_thu"].key, request["digest"]),
                       "certificate": base64.b64encode(pki.people["bi_thu"].cert_der).decode()}, format="json")
    assert done.status_code == 200, done.content
    result = done.json()
    assert result["request"]["status"] == "completed" and result["request"]["result_file"] == result["file"]["id"]
    assert (result["file"]["kind"], result["file"]["parent"]) == ("person_signed", stored["id"])
    signed = DocumentFile.objects.get(pk=result["file"]["id"])
    verified = verify_pdf(signed.content)
    assert verified.valid and verified.signatures[0]["holder"] == "Nguyễn Văn An"
    content = bithu.get(f"/api/v1/signing/files/{signed.pk}/content/")
    assert content.status_code == 200 and content["Content-Type"] == "application/pdf"
    assert b"".join(content.streaming_content if content.streaming else [content.content]) == signed.content

    # completing again gives the same version, not a second signature
    again = bithu.post(f"/api/v1/signing/requests/{request['id']}/complete/",
                       {"signature": token_sign(pki.people["bi_thu"].key, request["digest"]),
                        "certificate": pem(pki.people["bi_thu"])}, format="json")
    assert again.status_code == 200 and again.json()["file"]["id"] == result["file"]["id"]
    assert DocumentFile.objects.filter(kind="person_signed").count() == 1

    # the clerk then seals it with the Đảng ủy's key, two-step as well (the key may be anywhere)
    forwarded = upload(vanthu, "/api/v1/signing/files/", signed.content).json()
    sealed = vanthu.post("/api/v1/signing/requests/", {
        "file": forwarded["id"], "certificate": certificates["dang_uy"].pk, "purpose": "organisation",
        "approved_sha256": party_document.sha256}, format="json")
    assert sealed.status_code == 201, sealed.content
    finished = vanthu.post(f"/api/v1/signing/requests/{sealed.json()['id']}/complete/",
                           {"signature": token_sign(pki.organisations["dang_uy"].key, sealed.json()["digest"]),
                            "certificate": pem(pki.organisations["dang_uy"])}, format="json")
    assert finished.status_code == 200, finished.content
    final = verify_pdf(DocumentFile.objects.get(pk=finished.json()["file"]["id"]).content)
    assert final.valid and final.report["signature_count"] == 2, final.summary


def test_organisation_before_the_person_is_refused(client_of, certificates, party_document):
    vanthu = client_of("vanthu")
    stored = upload(vanthu, "/api/v1/signing/files/", party_document.pdf).json()

    response = vanthu.post("/api/v1/signing/requests/", {"file": stored["id"],
                                                         "certificate": certificates["dang_uy"].pk,
                                                         "purpose": "organisation"}, format="json")

    assert response.status_code == 422
    assert response.json()["type"].endswith("/personal_signature_missing")
    assert not SignatureRequest.objects.exists()


def test_expired_certificate_is_refused_before_signing(client_of, register, party_document):
    # S15: the Phó Chủ tịch's token certificate expired yesterday
    expired = register("expired", storage=KeyStorage.EXTERNAL, user=user("phochutich"))
    phochutich = client_of("phochutich")
    stored = upload(phochutich, "/api/v1/signing/files/", party_document.pdf).json()

    response = phochutich.post("/api/v1/signing/requests/", {"file": stored["id"], "certificate": expired.pk,
                                                             "purpose": "person"}, format="json")

    assert response.status_code == 422, response.content
    problem = response.json()
    assert problem["type"].endswith("/certificate_expired")
    assert "Phạm Thị Dung" in problem["detail"]
    assert not SignatureRequest.objects.exists()


def test_other_people_cannot_see_or_use_requests_files_or_certificates(client_of, certificates, pki,
                                                                       party_document):
    bithu, chuyenvien, vanthuubnd = client_of("bithu"), client_of("chuyenvien"), client_of("vanthuubnd")
    stored = upload(bithu, "/api/v1/signing/files/", party_document.pdf).json()
    request = bithu.post("/api/v1/signing/requests/", {"file": stored["id"], "certificate": certificates["bi_thu"].pk,
                                                       "purpose": "person"}, format="json").json()

    # someone else's request: neither visible nor completable, even with the right signature
    assert_denied(chuyenvien.get(f"/api/v1/signing/requests/{request['id']}/"), request["id"])
    assert_denied(chuyenvien.post(f"/api/v1/signing/requests/{request['id']}/complete/",
                                  {"signature": token_sign(pki.people["bi_thu"].key, request["digest"]),
                                   "certificate": pem(pki.people["bi_thu"])}, format="json"), "complete")
    assert SignatureRequest.objects.get(pk=request["id"]).status == RequestStatus.PENDING
    # someone else's file: neither its facts nor its bytes, nor preparing a signature on it
    assert_denied(chuyenvien.get(f"/api/v1/signing/files/{stored['id']}/"), stored["id"])
    assert_denied(chuyenvien.get(f"/api/v1/signing/files/{stored['id']}/content/"), "content")
    # someone else's certificate: a person's is its holder's alone
    own = upload(chuyenvien, "/api/v1/signing/files/", party_document.pdf).json()
    assert_denied(chuyenvien.post("/api/v1/signing/requests/", {
        "file": own["id"], "certificate": certificates["bi_thu"].pk, "purpose": "person"}, format="json"),
        "/requests/")
    # an organisation's only its own clerks': the UBND's clerk cannot seal for the Đảng ủy
    assert [c["id"] for c in vanthuubnd.get("/api/v1/signing/certificates/").json()["results"]] == [
        certificates["ubnd"].pk]
    theirs = upload(vanthuubnd, "/api/v1/signing/files/", party_document.pdf).json()
    assert vanthuubnd.post("/api/v1/signing/requests/", {
        "file": theirs["id"], "certificate": certificates["dang_uy"].pk, "purpose": "organisation"},
        format="json").status_code == 404
    assert SignatureRequest.objects.count() == 1


def test_uploads_are_checked(client_of, certificates, party_document):
    bithu = client_of("bithu")
    assert upload(bithu, "/api/v1/signing/files/", b"hello").status_code == 400
    assert bithu.post("/api/v1/signing/files/", {}, format="multipart").status_code == 400
    stored = upload(bithu, "/api/v1/signing/files/", party_document.pdf).json()
    wrong_kind = bithu.post("/api/v1/signing/requests/", {"file": stored["id"],
                                                          "certificate": certificates["bi_thu"].pk,
                                                          "purpose": "organisation"}, format="json")
    assert wrong_kind.status_code == 400 and "certificate" in wrong_kind.json()["errors"]
    response = bithu.post("/api/v1/signing/requests/00000000-0000-0000-0000-000000000000/complete/",
                          {"signature": "!!", "certificate": "x"}, format="json")
    assert response.status_code == 404


def test_abandoned_requests_expire_on_the_beat_and_late_answers_are_refused(client_of, certificates, pki,
                                                                             party_document, settings):
    from datetime import timedelta

    from django.utils import timezone

    from signing.tasks import expire_requests

    assert settings.CELERY_BEAT_SCHEDULE["signing-expire-requests"]["task"] == expire_requests.name
    bithu = client_of("bithu")
    stored = upload(bithu, "/api/v1/signing/files/", party_document.pdf).json()
    request = bithu.post("/api/v1/signing/requests/", {"file": stored["id"], "certificate": certificates["bi_thu"].pk,
                                                       "purpose": "person"}, format="json").json()
    SignatureRequest.objects.filter(pk=request["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert expire_requests() == 1

    late = bithu.post(f"/api/v1/signing/requests/{request['id']}/complete/",
                      {"signature": token_sign(pki.people["bi_thu"].key, request["digest"]),
                       "certificate": pem(pki.people["bi_thu"])}, format="json")
    assert late.status_code == 409 and late.json()["type"].endswith("/signature_request_closed")
    assert bithu.get(f"/api/v1/signing/requests/{request['id']}/").json()["status"] == "expired"
