# ruff: noqa: F811 - the shared fixture `decision` is imported by name and then used as a test argument
"""Signing steps in the staff pages (web/views/signing.py) through Django's test client: a decision of
the commune's People's Committee signed by its Chairman, then sealed by its clerk, with the test PKI
and real pyHanko; each refusal (expired certificate, organisation before the person, wrong PIN)
shown on the task page with nothing stored; and the two-step flow a USB token uses, with a key the
test holds standing in for the token."""

import base64
import logging

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, utils
from django.contrib.auth.models import User

from engine import inspection
from engine.models import ProcessInstance, Task, TaskStatus
from signing.models import DocumentFile, KeyStorage, SignatureRequest
from signing.verify import verify_pdf
from tests.signing import conftest as signing_fixtures
from tests.signing.decision import SEAL_FIRST, SIGN_THEN_SEAL, STATE, decision  # noqa: F401 - a fixture

from .conftest import open_task

# The signing tests' fixtures: the test PKI, its PKCS#12 files, the trust list and CRLs, the TSA.
pki, key_dir, signing_settings = signing_fixtures.pki, signing_fixtures.key_dir, signing_fixtures.signing_settings
trusted, register, state_document = signing_fixtures.trusted, signing_fixtures.register, signing_fixtures.state_document
P12_PASSWORD = signing_fixtures.P12_PASSWORD


def sign(page, task, certificate, pin=P12_PASSWORD):
    return page.post(f"/viec/{task.pk}/ky-so/", {"certificate": certificate.pk, "pin": pin})


def data_of(instance) -> dict:
    return inspection.data_of(ProcessInstance.objects.get(pk=instance.pk))


def test_a_signing_step_shows_the_document_and_only_the_signers_certificates(decision, page_of):
    instance, approved = decision()
    task = open_task(instance, "sign_person")

    page = page_of("chutich").get(f"/viec/{task.pk}/").content.decode()

    assert "data-signing" in page and "data-pdf-viewer" in page
    assert f'id="cert-{decision.keys["person"].pk}"' in page
    assert f'id="cert-{decision.keys["seal"].pk}"' not in page  # the seal is the clerk's
    assert 'type="password" id="sign-pin" name="pin"' in page
    assert 'value="complete"' not in page  # a signing step is completed by signing
    document = page_of("chutich").get(f"/viec/{task.pk}/ky-so/van-ban.pdf")
    assert document["Content-Type"] == "application/pdf" and document.content == approved.content
    # another body's clerk neither sees the step nor gets its file
    assert page_of("vanthu").get(f"/viec/{task.pk}/ky-so/van-ban.pdf").status_code == 404


def test_the_chairman_signs_then_the_clerk_seals(decision, page_of):
    instance, approved = decision()

    response = sign(page_of("chutich"), open_task(instance, "sign_person"), decision.keys["person"])

    assert response.status_code == 302 and response["Location"] == "/"  # the seal is not his task
    person = data_of(instance)["person_signature"]
    assert person["ok"] and person["kind"] == "person_signed" and person["parent_id"] == str(approved.pk)
    assert data_of(instance)["file_id"] == person["file_id"]

    seal_task = open_task(instance, "seal")
    page = page_of("vanthuubnd").get(f"/viec/{seal_task.pk}/").content.decode()
    assert f'id="cert-{decision.keys["seal"].pk}"' in page
    response = sign(page_of("vanthuubnd"), seal_task, decision.keys["seal"])

    issue = open_task(instance, "issue")
    assert response.status_code == 302 and response["Location"] == f"/viec/{issue.pk}/"  # straight on
    sealed = data_of(instance)["organisation_signature"]
    final = DocumentFile.objects.get(pk=sealed["file_id"])
    assert final.kind == "organisation_signed" and str(final.parent_id) == person["file_id"]
    assert sealed["level"] == "B-LT" and sealed["signed_at"].endswith("+07:00")
    result = verify_pdf(final.content)
    assert result.valid, result.summary
    assert [s["holder"] for s in result.signatures] == ["Trần Thị Bình", "Ủy ban nhân dân xã Vĩnh An"]


def test_an_expired_certificate_is_refused_in_vietnamese(decision, page_of, register):
    instance, approved = decision()
    expired = register("expired", user=User.objects.get(username="chutich"))
    task = open_task(instance, "sign_person")

    response = sign(page_of("chutich"), task, expired)

    assert response.status_code == 422
    page = response.content.decode()
    assert 'class="message error"' in page and "Chứng thư ký số của Phạm Thị Dung đã hết hạn" in page
    assert "data-signing" in page  # the step again, to choose another certificate
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN
    assert list(DocumentFile.objects.values_list("pk", flat=True)) == [approved.pk]


def test_the_seal_before_the_persons_signature_is_refused(decision, page_of):
    instance, approved = decision(SEAL_FIRST)
    task = open_task(instance, "seal")

    response = sign(page_of("vanthuubnd"), task, decision.keys["seal"])

    assert response.status_code == 422
    assert "chỉ ký số văn bản đã có chữ ký số hợp lệ của người có thẩm" in response.content.decode()
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN
    assert DocumentFile.objects.count() == 1


def test_a_wrong_pin_is_refused_and_never_shown_or_logged(decision, page_of, caplog):
    instance, _approved = decision()
    task = open_task(instance, "sign_person")
    wrong = "sai-ma-pin-7731"

    with caplog.at_level(logging.DEBUG):
        response = sign(page_of("chutich"), task, decision.keys["person"], pin=wrong)

    page = response.content.decode()
    assert response.status_code == 422
    assert "Mã PIN của khóa ký của Trần Thị Bình không đúng" in page
    assert wrong not in page and wrong not in caplog.text
    assert 'name="pin" autocomplete="off"' in page and 'value="' + wrong not in page
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN
    assert DocumentFile.objects.count() == 1


def test_a_certificate_not_offered_to_the_signer_is_not_used(decision, page_of):
    instance, _approved = decision()
    task = open_task(instance, "sign_person")

    response = sign(page_of("chutich"), task, decision.keys["seal"])  # the Committee's seal, not his

    assert response.status_code == 302 and response["Location"] == f"/viec/{task.pk}/"
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN and DocumentFile.objects.count() == 1


# --- two-step signing for a USB token: the endpoints signing.js calls ------------------------------

def token_sign(private_key, digest_b64: str) -> str:
    """What the local signing plugin does with the token: sign the SHA-256 digest it is given."""
    digest = base64.b64decode(digest_b64)
    return base64.b64encode(private_key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))).decode()


@pytest.fixture
def token_decision(decision, register, pki):
    """The decision, the Chairman's key on a USB token only (the server never holds it)."""
    chairman = User.objects.get(username="chutich")
    decision.keys["token"] = register("pho_chu_tich", storage=KeyStorage.EXTERNAL, user=chairman)
    decision.keys["token_key"] = pki.people["pho_chu_tich"].key
    return decision


def test_a_usb_token_signs_through_prepare_and_complete(token_decision, page_of, pki):
    instance, approved = token_decision()
    task = open_task(instance, "sign_person")
    chairman = page_of("chutich")
    page = chairman.get(f"/viec/{task.pk}/").content.decode()
    assert 'data-key="external"' in page and f'data-prepare-url="/viec/{task.pk}/ky-so/chuan-bi/"' in page

    prepared = chairman.post(f"/viec/{task.pk}/ky-so/chuan-bi/", {"certificate": token_decision.keys["token"].pk})

    assert prepared.status_code == 201, prepared.content
    body = prepared.json()
    assert body["signature_algorithm"] == "rsassa_pkcs1v15" and len(base64.b64decode(body["digest"])) == 32
    assert base64.b64decode(body["certificate"]) == pki.people["pho_chu_tich"].cert_der
    signature = token_sign(token_decision.keys["token_key"], body["digest"])
    done = chairman.post(body["complete"], {"signature": signature})

    assert done.status_code == 200, done.content
    assert done.json()["redirect"] == "/"
    person = data_of(instance)["person_signature"]
    assert person["ok"] and person["parent_id"] == str(approved.pk)
    result = verify_pdf(DocumentFile.objects.get(pk=person["file_id"]).content)
    assert result.valid, result.summary
    assert [s["holder"] for s in result.signatures] == ["Hoàng Văn Giang"]
    assert SignatureRequest.objects.get(pk=body["request"]).status == "completed"


def test_a_signature_from_another_key_is_refused_and_the_request_stays_open(token_decision, page_of, pki):
    instance, _approved = token_decision()
    task = open_task(instance, "sign_person")
    chairman = page_of("chutich")
    body = chairman.post(f"/viec/{task.pk}/ky-so/chuan-bi/", {"certificate": token_decision.keys["token"].pk}).json()

    done = chairman.post(body["complete"], {"signature": token_sign(pki.people["chu_tich"].key, body["digest"])})

    assert done.status_code == 422
    assert done.json()["code"] == "external_signature_mismatch"
    assert "Chữ ký trả về không khớp với văn bản và chứng thư số đã chuẩn bị" in done.json()["message"]
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN
    assert SignatureRequest.objects.get(pk=body["request"]).status == "pending"
    # the right token can still answer the same request
    done = chairman.post(body["complete"], {"signature": token_sign(token_decision.keys["token_key"], body["digest"])})
    assert done.status_code == 200


def test_the_two_step_endpoints_are_the_signers_only(token_decision, page_of):
    instance, _approved = token_decision()
    task = open_task(instance, "sign_person")
    body = page_of("chutich").post(f"/viec/{task.pk}/ky-so/chuan-bi/",
                                   {"certificate": token_decision.keys["token"].pk}).json()

    other = page_of("phochutich")  # a leader of the same body: the task is offered to him too
    assert other.post(body["complete"], {"signature": "AAAA"}).status_code == 404  # not his request
    stranger = page_of("vanthu")  # the Party's clerk
    assert stranger.post(f"/viec/{task.pk}/ky-so/chuan-bi/",
                         {"certificate": token_decision.keys["token"].pk}).status_code == 404
    # no certificate chosen, or one not offered: nothing is prepared
    assert page_of("chutich").post(f"/viec/{task.pk}/ky-so/chuan-bi/", {"certificate": "0"}).status_code == 422
    assert SignatureRequest.objects.count() == 1
