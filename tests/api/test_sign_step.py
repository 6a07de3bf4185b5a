# ruff: noqa: F811 - the shared fixture `decision` is imported by name and then used as a test argument
"""Signing steps through the API (``POST /api/v1/tasks/{id}/sign/``, and the two-step
``sign/prepare/`` → ``sign/complete/`` for a USB token): a decision of the commune's People's
Committee signed by its Chairman, then sealed by its clerk, with the test PKI, the in-process
timestamp authority and real pyHanko; the seal before the person's signature, a wrong PIN and an
expired certificate refused with their codes and nothing stored; a repeated request signs once;
whoever does not act on the step gets a 404 on record."""

import base64
import json
import logging

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, utils
from django.contrib.auth.models import User

from engine import inspection
from engine.models import AuditEvent, ProcessInstance, Task, TaskStatus
from signing import documents
from signing import steps as signing_steps
from signing.models import DocumentFile, FileKind, KeyStorage, SignatureRequest
from signing.sign import sign_as_person
from signing.verify import verify_pdf
from tests.signing import conftest as signing_fixtures
from tests.signing.decision import SEAL_FIRST, SIGN_THEN_SEAL, STATE, decision  # noqa: F401 - a fixture

# The signing tests' fixtures: the test PKI, its PKCS#12 files, the trust list and CRLs, the TSA.
pki, key_dir, signing_settings = signing_fixtures.pki, signing_fixtures.key_dir, signing_fixtures.signing_settings
trusted, register, state_document = signing_fixtures.trusted, signing_fixtures.register, signing_fixtures.state_document
P12_PASSWORD = signing_fixtures.P12_PASSWORD
PROBLEMS = "https://quytrinh.vn/problems/"


def open_task(instance, bpmn_id: str) -> Task:
    return Task.objects.get(instance=instance, status=TaskStatus.OPEN, bpmn_id=bpmn_id)


def sign(client, task, certificate, secret: str | None = P12_PASSWORD):
    body = {"certificate": certificate.pk, **({"secret": secret} if secret is not None else {})}
    return client.post(f"/api/v1/tasks/{task.pk}/sign/", body, format="json")


def data_of(instance) -> dict:
    return inspection.data_of(ProcessInstance.objects.get(pk=instance.pk))


def refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == PROBLEMS + code, problem
    return problem


def test_the_chairman_signs_then_the_clerk_seals(decision, client_of):
    instance, approved = decision()
    chairman, clerk = client_of("chutich"), client_of("vanthuubnd")

    response = sign(chairman, open_task(instance, "sign_person"), decision.keys["person"])

    assert response.status_code == 200, response.content
    answer = response.json()
    assert (answer["bpmn_id"], answer["status"], answer["next_tasks"]) == ("sign_person", "completed", [])
    person = answer["signature"]
    assert person == data_of(instance)["person_signature"] and data_of(instance)["file_id"] == person["file_id"]
    assert person["ok"] and person["parent_id"] == str(approved.pk) and person["kind"] == "person_signed"
    assert answer["file"]["id"] == person["file_id"] and answer["file"]["parent"] == str(approved.pk)
    assert answer["file"]["instance"] == str(instance.pk) and answer["file"]["sha256"] == person["sha256"]
    # the answer is the completion's, as ``complete`` gives it: what a fresh read says
    fresh = client_of("admin").get(f"/api/v1/tasks/{answer['id']}/").json()
    assert {k: v for k, v in answer.items() if k not in ("next_tasks", "file", "signature")} == {
        k: v for k, v in fresh.items() if k != "form"}

    # the clerk seals with the Committee's key, its secret the server's (no PIN typed)
    response = sign(clerk, open_task(instance, "seal"), decision.keys["seal"], secret=None)

    assert response.status_code == 200, response.content
    answer = response.json()
    assert [t["bpmn_id"] for t in answer["next_tasks"]] == ["issue"]  # straight on to issuing it
    sealed = answer["signature"]
    assert sealed == data_of(instance)["organisation_signature"] and sealed["parent_id"] == person["file_id"]
    assert sealed["level"] == "B-LT" and sealed["signed_at"].endswith("+07:00")
    final = DocumentFile.objects.get(pk=sealed["file_id"])
    assert final.kind == "organisation_signed" and final.content.startswith(approved.content)
    result = verify_pdf(final.content)
    assert result.valid, result.summary
    assert [s["holder"] for s in result.signatures] == ["Trần Thị Bình", "Ủy ban nhân dân xã Vĩnh An"]
    assert all(s["valid"] for s in result.signatures)


def test_the_seal_before_the_persons_signature_is_refused(decision, client_of):
    instance, approved = decision(SEAL_FIRST)
    task = open_task(instance, "seal")

    problem = refused(sign(client_of("vanthuubnd"), task, decision.keys["seal"], secret=None), 422,
                      "personal_signature_missing")

    assert "chỉ ký số văn bản đã có chữ ký số hợp lệ của người có thẩm" in problem["detail"]
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN
    assert list(DocumentFile.objects.values_list("pk", flat=True)) == [approved.pk]


def test_a_repeated_request_signs_once(decision, client_of):
    instance, _approved = decision()
    chairman, task = client_of("chutich"), open_task(instance, "sign_person")

    first = sign(chairman, task, decision.keys["person"])
    again = sign(chairman, task, decision.keys["person"])

    assert first.status_code == 200, first.content
    refused(again, 409, "task_not_open")
    assert DocumentFile.objects.filter(kind=FileKind.PERSON_SIGNED).count() == 1


def test_a_signature_whose_completion_was_lost_is_completed_not_made_again(decision, client_of):
    instance, approved = decision()
    chairman, task = User.objects.get(username="chutich"), open_task(instance, "sign_person")
    # an earlier request signed and stored the version, then the completion never happened
    signed = sign_as_person(pdf=approved.content, certificate=decision.keys["person"],
                            approved_sha256=approved.sha256)
    stored = documents.store(signed.pdf, kind=FileKind.PERSON_SIGNED, parent=approved,
                             certificate=decision.keys["person"], instance_id=instance.pk, created_by=chairman,
                             idempotency_key=signing_steps.key_for(task, chairman))

    response = sign(client_of("chutich"), task, decision.keys["person"])

    assert response.status_code == 200, response.content
    assert response.json()["file"]["id"] == str(stored.pk) == data_of(instance)["file_id"]
    assert DocumentFile.objects.filter(kind=FileKind.PERSON_SIGNED).count() == 1
    assert verify_pdf(stored.content).report["signature_count"] == 1


def test_a_suspended_process_is_refused_before_anything_is_signed(decision, client_of):
    instance, approved = decision()
    task = open_task(instance, "sign_person")
    admin = client_of("admin")
    assert admin.post(f"/api/v1/process-instances/{instance.pk}/suspend/", {"reason": "thử"},
                      format="json").status_code == 200

    refused(sign(client_of("chutich"), task, decision.keys["person"]), 409, "instance_not_running")

    assert list(DocumentFile.objects.values_list("pk", flat=True)) == [approved.pk]


def test_who_does_not_act_on_the_step_gets_404_on_record(decision, client_of):
    instance, approved = decision()
    task = open_task(instance, "sign_person")
    denials = AuditEvent.objects.filter(stream="access", action="access_denied")
    before = denials.count()

    # the Party's clerk: another body's task
    stranger = refused(sign(client_of("vanthu"), task, decision.keys["person"]), 404, "not_found")
    assert client_of("vanthu").post(f"/api/v1/tasks/{task.pk}/sign/prepare/", {"certificate": 1},
                                    format="json").status_code == 404
    assert denials.count() == before + 2
    assert denials.order_by("-id").first().after["path"] == f"/api/v1/tasks/{task.pk}/sign/prepare/"

    # the Vice-Chairman is offered the step too, but the Chairman's certificate is not his to use
    response = refused(sign(client_of("phochutich"), task, decision.keys["person"]), 400, "invalid_data")
    assert list(response["errors"]) == ["certificate"]

    # a task that is no signing step answers as if it did not exist, on record
    sign(client_of("chutich"), task, decision.keys["person"])
    sign(client_of("vanthuubnd"), open_task(instance, "seal"), decision.keys["seal"], secret=None)
    issue = open_task(instance, "issue")
    not_signing = refused(sign(client_of("vanthuubnd"), issue, decision.keys["seal"]), 404, "not_found")
    assert not_signing["detail"] == stranger["detail"]  # nothing tells the two apart
    assert denials.count() == before + 3
    assert Task.objects.get(pk=issue.pk).status == TaskStatus.OPEN
    assert DocumentFile.objects.count() == 3


def test_a_signing_step_is_not_completed_without_a_signature(decision, client_of):
    instance, approved = decision()
    task = open_task(instance, "sign_person")
    forged = {"file_id": str(approved.pk), "person_signature": {"ok": True, "file_id": str(approved.pk)}}

    response = client_of("chutich").post(f"/api/v1/tasks/{task.pk}/complete/", {"data": forged}, format="json")

    refused(response, 422, "signature_required")
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN
    assert "person_signature" not in data_of(instance)


def test_a_wrong_pin_is_refused_and_never_kept(decision, client_of, caplog):
    instance, _approved = decision()
    task = open_task(instance, "sign_person")
    wrong = "sai-ma-pin-7731"

    with caplog.at_level(logging.DEBUG):
        response = sign(client_of("chutich"), task, decision.keys["person"], secret=wrong)

    problem = refused(response, 422, "wrong_pin")
    assert "Mã PIN của khóa ký của Trần Thị Bình không đúng" in problem["detail"]
    assert wrong not in response.content.decode() and wrong not in caplog.text
    assert not any(wrong in json.dumps([e.before, e.after], ensure_ascii=False) for e in AuditEvent.objects.all())
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN
    assert DocumentFile.objects.count() == 1
    # the right PIN then signs
    assert sign(client_of("chutich"), task, decision.keys["person"]).status_code == 200


def test_an_expired_certificate_is_refused_in_vietnamese(decision, client_of, register):
    instance, _approved = decision()
    expired = register("expired", user=User.objects.get(username="chutich"))
    task = open_task(instance, "sign_person")

    problem = refused(sign(client_of("chutich"), task, expired), 422, "certificate_expired")

    assert "Chứng thư ký số của Phạm Thị Dung đã hết hạn" in problem["detail"]
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN and DocumentFile.objects.count() == 1


# --- two-step signing for a USB token ---------------------------------------------------------------

def token_sign(private_key, digest_b64: str) -> str:
    """What the local signing plugin does with the token: sign the SHA-256 digest it is given."""
    digest = base64.b64decode(digest_b64)
    return base64.b64encode(private_key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))).decode()


def test_a_usb_token_signs_through_prepare_and_complete(decision, client_of, register, pki):
    instance, approved = decision()
    token = register("pho_chu_tich", storage=KeyStorage.EXTERNAL, user=User.objects.get(username="chutich"))
    task, chairman = open_task(instance, "sign_person"), client_of("chutich")
    # the server cannot sign with a key it does not hold
    refused(sign(chairman, task, token), 422, "external_key_only")

    prepared = chairman.post(f"/api/v1/tasks/{task.pk}/sign/prepare/", {"certificate": token.pk}, format="json")

    assert prepared.status_code == 201, prepared.content
    request = prepared.json()
    assert (request["status"], request["purpose"], request["file"]) == ("pending", "person", str(approved.pk))
    complete = f"/api/v1/tasks/{task.pk}/sign/complete/"
    # another key's signature is refused, the request stays open
    wrong = chairman.post(complete, {"request": request["id"],
                                     "signature": token_sign(pki.people["chu_tich"].key, request["digest"])},
                          format="json")
    refused(wrong, 422, "external_signature_mismatch")
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN
    # another person never completes the Chairman's request
    refused(client_of("phochutich").post(complete, {"request": request["id"], "signature": "AAAA"}, format="json"),
            404, "signature_request_not_found")

    done = chairman.post(complete, {"request": request["id"],
                                    "signature": token_sign(pki.people["pho_chu_tich"].key, request["digest"])},
                         format="json")

    assert done.status_code == 200, done.content
    answer = done.json()
    assert answer["status"] == "completed" and answer["signature"] == data_of(instance)["person_signature"]
    assert answer["signature"]["parent_id"] == str(approved.pk)
    result = verify_pdf(DocumentFile.objects.get(pk=answer["file"]["id"]).content)
    assert result.valid, result.summary
    assert [s["holder"] for s in result.signatures] == ["Hoàng Văn Giang"]
    assert SignatureRequest.objects.get(pk=request["id"]).status == "completed"
