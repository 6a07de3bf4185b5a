"""The second factor at sign-in (TOTP, django-otp): set up by the person, then asked after the
password; mandatory for the roles an administrator names; wrong codes count towards the lockout."""

import time

from django.contrib.auth.models import User
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from engine.models import AuditEvent

from .conftest import DEMO_PASSWORD


def code(device: TOTPDevice) -> str:
    """What the person's app shows now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def wait_out_the_throttle(device: TOTPDevice) -> None:
    """After a wrong code django-otp refuses every code for a second or more; the test does not sleep."""
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None, throttling_failure_count=0)


def sign_in(browser: Client, username: str):
    return browser.post("/dang-nhap/", {"username": username, "password": DEMO_PASSWORD})


def test_set_up_then_the_password_alone_no_longer_signs_in(page_of):
    browser = page_of("bithu")
    page = browser.get("/bao-mat/").content.decode()
    assert "<svg" in page and 'data-testid="totp-secret"' in page
    device = TOTPDevice.objects.get(user__username="bithu", confirmed=False)
    assert browser.post("/bao-mat/", {"action": "confirm", "token": "000000"}).status_code == 400
    wait_out_the_throttle(device)
    assert browser.post("/bao-mat/", {"action": "confirm", "token": code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    browser.post("/dang-xuat/")

    again = Client()
    response = sign_in(again, "bithu")
    assert response["Location"] == "/dang-nhap/ma-xac-thuc/"
    assert again.get("/").status_code == 302  # not signed in yet
    wrong = again.post("/dang-nhap/ma-xac-thuc/", {"token": "123456"})
    assert wrong.status_code == 400 and "Mã không đúng" in wrong.content.decode()
    wait_out_the_throttle(device)
    device.refresh_from_db()
    # a code is good once: the one that confirmed the device is over; the app's next one signs in
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    assert again.post("/dang-nhap/ma-xac-thuc/", {"token": code(device)})["Location"] == "/"
    assert again.get("/").status_code == 200
    assert AuditEvent.objects.filter(stream="access", action="sign_in_failed", actor_name="bithu").count() == 1


def test_mandatory_for_the_roles_named(page_of, settings):
    settings.WEB = {**settings.WEB, "SECOND_FACTOR_ROLES": ["bi_thu"]}
    leader = page_of("bithu")
    assert leader.get("/")["Location"] == "/bao-mat/"  # every page sends the secretary to set it up
    assert leader.get("/thong-bao/")["Location"] == "/bao-mat/"
    assert "vai trò của bạn" in leader.get("/bao-mat/").content.decode()
    device = TOTPDevice.objects.get(user__username="bithu", confirmed=False)
    leader.post("/bao-mat/", {"action": "confirm", "token": code(device)})
    assert leader.get("/").status_code == 200
    # A required factor cannot be turned off.
    leader.post("/bao-mat/", {"action": "remove"})
    assert TOTPDevice.objects.filter(user__username="bithu", confirmed=True).exists()
    # The clerk holds no such role: nothing changes for her.
    assert page_of("vanthu").get("/").status_code == 200


def test_a_stale_second_step_starts_again(demo):
    user = User.objects.get(username="chanhvp")
    device = TOTPDevice.objects.create(user=user, name="web", confirmed=True)
    browser = Client()
    sign_in(browser, "chanhvp")
    session = browser.session
    session["web_sign_in_pending"]["at"] = time.time() - 3600
    session.save()
    response = browser.post("/dang-nhap/ma-xac-thuc/", {"token": code(device)})
    assert response["Location"] == "/dang-nhap/"
    assert browser.get("/").status_code == 302
