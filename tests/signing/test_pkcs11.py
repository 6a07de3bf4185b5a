"""Keys on a PKCS#11 token (SoftHSM2 standing in for the organisation's HSM or token)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.views.debug import ExceptionReporter

from signing import conf, exceptions
from signing.keys import Secret
from signing.models import KeyStorage
from signing.sign import sign_as_organisation, sign_as_person
from signing.verify import verify_pdf

pytestmark = pytest.mark.django_db

TOKEN = "QUYTRINH-TEST"
PIN = "123456"
PIN_ENV = "QUYTRINH_TEST_TOKEN_PIN"
MODULE = conf.DEFAULTS["PKCS11_MODULE"]


@pytest.fixture(scope="session")
def softhsm_token(pki, tmp_path_factory):
    """A SoftHSM2 token holding the keys of the Chủ tịch and of the UBND (not extractable)."""
    if shutil.which("softhsm2-util") is None or not Path(MODULE).exists():
        pytest.skip("SoftHSM2 is not installed (Debian: apt-get install -y softhsm2)")
    base = tmp_path_factory.mktemp("softhsm")
    (base / "tokens").mkdir()
    config = base / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(config)  # read when the library initialises, so set it first

    def run(*args):
        subprocess.run(["softhsm2-util", *args], check=True, capture_output=True, env=os.environ)

    run("--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", "12345678")
    for index, label in enumerate(("chu_tich", "ubnd"), start=1):
        key_file = base / f"{label}.pem"
        key_file.write_bytes(pki.holder(label).key_pem)
        run("--import", str(key_file), "--token", TOKEN, "--label", label, "--id", f"{index:02x}", "--pin", PIN)
        key_file.unlink()
    yield TOKEN
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous


@pytest.fixture
def on_token(register, softhsm_token, monkeypatch):
    monkeypatch.setenv(PIN_ENV, PIN)

    def make(label):
        return register(label, storage=KeyStorage.PKCS11, pkcs11_token_label=softhsm_token,
                        pkcs11_key_label=label, secret_ref=PIN_ENV)

    return make


def test_person_and_organisation_sign_with_keys_on_a_token(on_token, state_document):
    # given the Chủ tịch's and the UBND's keys on a PKCS#11 token
    person, organisation = on_token("chu_tich"), on_token("ubnd")

    # when both sign through the token
    signed = sign_as_person(pdf=state_document.pdf, certificate=person, approved_sha256=state_document.sha256)
    sealed = sign_as_organisation(pdf=signed.pdf, certificate=organisation, approved_sha256=state_document.sha256)

    # then both signatures are valid
    result = verify_pdf(sealed.pdf)
    assert result.valid, result.summary
    assert [s["holder"] for s in result.signatures] == ["Trần Thị Bình", "Ủy ban nhân dân xã Vĩnh An"]


def test_wrong_pin_is_a_clear_error(on_token, state_document, monkeypatch):
    person = on_token("chu_tich")
    monkeypatch.setenv(PIN_ENV, "000000")
    with pytest.raises(exceptions.KeyUnavailable):
        sign_as_person(pdf=state_document.pdf, certificate=person, approved_sha256=state_document.sha256)


def test_a_wrong_pin_typed_for_a_token_is_a_wrong_pin_and_never_in_the_error(on_token, state_document):
    person = on_token("chu_tich")
    typed = Secret("999999")

    with pytest.raises(exceptions.WrongSecret) as refused:
        sign_as_person(pdf=state_document.pdf, certificate=person, approved_sha256=state_document.sha256,
                       secret=typed)

    assert refused.value.code == "wrong_pin" and not typed.opened
    # the token library's frames hold the PIN as a str: the error does not lead to them
    assert refused.value.__cause__ is None and refused.value.__suppress_context__
    report = ExceptionReporter(None, type(refused.value), refused.value, refused.value.__traceback__)
    assert "999999" not in report.get_traceback_text()
    # the right one, typed, signs; it is gone once the token session is open
    right = Secret(PIN)
    signed = sign_as_person(pdf=state_document.pdf, certificate=person, approved_sha256=state_document.sha256,
                            secret=right)
    assert verify_pdf(signed.pdf).valid and right.opened
    with pytest.raises(RuntimeError):
        right.reveal()
