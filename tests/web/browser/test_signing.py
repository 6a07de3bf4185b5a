"""Signing a decision in Chromium: the Chairman's wrong PIN refused on the page, his signature with
the right one, then the clerk's seal; a USB token signing through the documented page hook
(``window.quytrinhSigner``, here WebCrypto holding the test key); the final PDF verified by the
signing app (real pyHanko, the test PKI); axe on the signing page."""

import base64
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography.hazmat.primitives import serialization
from django.contrib.auth.models import User
from django.db import connection

from engine import services
from engine.models import Task, TaskStatus
from signing import documents
from signing.models import DocumentFile, FileKind, KeyStorage
from signing.verify import verify_pdf
from tests.signing import conftest as signing_fixtures
from tests.signing.decision import DECISION, SIGN_THEN_SEAL, STATE
from tests.web.test_signing_pages import data_of

pki, key_dir, signing_settings = signing_fixtures.pki, signing_fixtures.key_dir, signing_fixtures.signing_settings
trusted, register, state_document = signing_fixtures.trusted, signing_fixtures.register, signing_fixtures.state_document


@pytest.fixture
def decision(site, register, state_document):
    """The decision process deployed and one decision waiting for the Chairman's signature."""
    services.deploy({"decision.bpmn": DECISION})
    register("chu_tich", user=User.objects.get(username="chutich"))
    register("ubnd", body=STATE)
    approved = documents.store(state_document.pdf, kind=FileKind.RENDERED, file_name="15-QD-UBND.pdf")
    instance = services.start(SIGN_THEN_SEAL, body=STATE,
                              data={"file_id": str(approved.pk), "approved_sha256": approved.sha256})
    DocumentFile.objects.filter(pk=approved.pk).update(instance=instance)
    return instance


def verified(pdf: bytes):
    """The signing app's verification, in a thread of its own: pyHanko runs its own event loop, and
    this thread already runs Playwright's."""
    def run():
        try:
            return verify_pdf(pdf)
        finally:
            connection.close()  # this thread's own connection, or the test database stays in use

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def open_task(instance, bpmn_id: str) -> Task:
    return Task.objects.get(instance=instance, bpmn_id=bpmn_id, status=TaskStatus.OPEN)


def test_a_decision_signed_by_the_chairman_then_sealed_by_the_clerk(pages, site, decision, axe, screenshot):
    task = open_task(decision, "sign_person")
    chairman = pages.open("chutich")
    chairman.goto(f"{site}/viec/{task.pk}/")
    assert chairman.locator("[data-signing] h2").is_visible()
    assert chairman.locator("[data-pdf-viewer]").count() == 1  # the PDF viewer's place
    assert chairman.locator("input[name=certificate]").count() == 1

    # a wrong PIN: refused, said on the page, nothing signed
    chairman.fill("#sign-pin", "sai-ma-pin")
    chairman.click("[data-sign-button]")
    chairman.wait_for_load_state()
    assert chairman.locator(".message.error").is_visible()
    assert chairman.locator("#sign-pin").input_value() == ""
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN
    axe(chairman, name="signing step with a refusal")

    chairman.fill("#sign-pin", signing_fixtures.P12_PASSWORD)
    chairman.click("[data-sign-button]")
    chairman.wait_for_url(f"{site}/")
    assert chairman.locator(".message.success").first.is_visible()

    seal = open_task(decision, "seal")
    clerk = pages.open("vanthuubnd")
    clerk.goto(f"{site}/viec/{seal.pk}/")
    assert clerk.locator("[data-signing] input[name=certificate]").count() == 1
    axe(clerk, name="organisation signing step")
    clerk.fill("#sign-pin", signing_fixtures.P12_PASSWORD)
    screenshot(clerk, "sign")
    clerk.click("[data-sign-button]")
    issue = open_task(decision, "issue")
    clerk.wait_for_url(f"{site}/viec/{issue.pk}/")

    final = DocumentFile.objects.get(pk=data_of(decision)["organisation_signature"]["file_id"])
    result = verified(final.content)
    assert result.valid, result.summary
    assert [s["holder"] for s in result.signatures] == ["Trần Thị Bình", "Ủy ban nhân dân xã Vĩnh An"]


#: The local signing plugin as the page sees it: WebCrypto holding the token's key, signing the
#: signed attributes (SHA-256 of them is the digest the server sent). Test-only stand-in.
FAKE_PLUGIN = """
window.quytrinhSigner = {
  sign: async function (digestBase64, certificateBase64, details) {
    const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const key = await crypto.subtle.importKey('pkcs8', bytes(%(key)s),
        {name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256'}, false, ['sign']);
    if (certificateBase64 !== %(certificate)s) throw new Error('another certificate');
    const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, bytes(details.dataToSign));
    return btoa(String.fromCharCode(...new Uint8Array(signature)));
  }
};
"""


def test_a_usb_token_signs_through_the_page_hook(pages, site, decision, register, pki):
    holder = pki.people["pho_chu_tich"]
    register("pho_chu_tich", storage=KeyStorage.EXTERNAL, user=User.objects.get(username="chutich"))
    key = holder.key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption())
    task = open_task(decision, "sign_person")
    chairman = pages.open("chutich")

    # without the plugin: the page says so and nothing is prepared
    chairman.goto(f"{site}/viec/{task.pk}/")
    chairman.locator("input[data-key=external]").check()
    assert chairman.locator("[data-pin-field]").is_hidden()
    chairman.click("[data-sign-button]")
    assert chairman.locator("[data-sign-error]").is_visible()

    chairman.add_init_script(FAKE_PLUGIN % {"key": json.dumps(base64.b64encode(key).decode()),
                                            "certificate": json.dumps(base64.b64encode(holder.cert_der).decode())})
    chairman.goto(f"{site}/viec/{task.pk}/")
    chairman.locator("input[data-key=external]").check()
    chairman.click("[data-sign-button]")
    chairman.wait_for_url(f"{site}/")

    person = data_of(decision)["person_signature"]
    result = verified(DocumentFile.objects.get(pk=person["file_id"]).content)
    assert result.valid, result.summary
    assert [s["holder"] for s in result.signatures] == ["Hoàng Văn Giang"]
