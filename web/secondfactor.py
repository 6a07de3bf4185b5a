"""The second factor at sign-in: a TOTP device (django-otp) set up with an authenticator app.

Anyone may turn it on for themselves; for the holders of the roles an administrator names in
``WEB["SECOND_FACTOR_ROLES"]`` (``QUYTRINH_WEB_2FA_ROLES``: those who sign, or read confidential
documents) it is mandatory: until they have set it up and used it in this session, every page sends
them to set it up. With a device, the password alone no longer signs anyone in."""

import base64
from typing import cast

import segno
from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from engine import access

DEVICE_NAME = "web"


def required(user) -> bool:
    roles = set(cast(list[str], settings.WEB.get("SECOND_FACTOR_ROLES", [])))
    return bool(roles) and any(role in roles for role, _body in access.role_pairs(user))


def device_of(user) -> TOTPDevice | None:
    """The person's confirmed device, if they set one up."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("pk").first()


def pending_device(user) -> TOTPDevice:
    """The unconfirmed device being set up (a new secret for each new setup)."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def confirm(device: TOTPDevice, token: str) -> bool:
    """Confirm a device with a code from the app: it replaces any earlier one."""
    if not device.verify_token(token.strip()):
        return False
    TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


def remove(user) -> None:
    TOTPDevice.objects.filter(user_id=user.pk).delete()


def secret(device: TOTPDevice) -> str:
    """The key for typing into an app by hand (base32, in groups of four)."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice, *, title: str) -> str:
    """The device's otpauth:// address as an inline SVG QR code (no script, no style: CSP-safe)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, title=title)
