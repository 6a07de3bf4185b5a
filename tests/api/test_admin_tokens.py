"""Service-account tokens issued in the admin (issue 11, point 9): an administrator picks a user, a
name and maybe an expiry; the key is shown once, in a message after saving, and never again; only
its hash is kept; tokens are revoked with an action, never deleted or rewritten by editing."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken

ADMIN = "/admin/api/apitoken/"
KEY_LIKE = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")  # secrets.token_urlsafe(32)


@pytest.fixture
def admin_client(db):
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", password="x"))
    return client


@pytest.fixture
def service_user(db):
    return get_user_model().objects.create_user("integration", password=None)


def issue(admin_client, service_user, **fields) -> tuple[ApiToken, str, str]:
    """Add a token in the admin; (token, key shown, the page that showed it)."""
    response = admin_client.post(f"{ADMIN}add/", {"user": service_user.pk, "name": "Cổng dịch vụ công",
                                                  **fields}, follow=True)
    assert response.status_code == 200, response.content.decode()[:3000]
    page = response.content.decode()
    token = ApiToken.objects.get()
    shown = {key for key in KEY_LIKE.findall(page) if hashlib.sha256(key.encode()).hexdigest() == token.digest}
    assert len(shown) == 1, page[:5000]
    return token, shown.pop(), page


def api_status(key: str) -> int:
    return APIClient().get("/api/v1/tasks/", HTTP_AUTHORIZATION=f"Token {key}").status_code


def test_the_admin_page_exists_and_lists_the_tokens(admin_client, service_user):
    ApiToken.issue(service_user, name="Hệ thống quản lý văn bản tỉnh", lifetime=None)

    listing = admin_client.get(ADMIN)

    assert listing.status_code == 200
    page = listing.content.decode()
    assert "Hệ thống quản lý văn bản tỉnh" in page and "integration" in page
    for column in ("column-user", "column-name", "column-prefix", "column-created_at", "column-expires_at",
                   "column-last_used_at", "column-revoked_at"):
        assert column in page, column
    assert "/admin/api/apitoken/" in admin_client.get("/admin/").content.decode()


def test_the_add_form_asks_only_for_user_name_and_expiry(admin_client):
    form = admin_client.get(f"{ADMIN}add/")

    assert form.status_code == 200
    fields = set(re.findall(r'name="([a-z_0-9]+)"', form.content.decode())) - {"csrfmiddlewaretoken"}
    assert {"user", "name", "expires_at_0", "expires_at_1"} <= fields
    assert not fields & {"digest", "prefix", "revoked_at", "last_used_at", "key"}


def test_an_issued_key_is_shown_once_works_and_only_its_hash_is_kept(admin_client, service_user):
    token, key, page = issue(admin_client, service_user)

    # the key works for the API, and the database holds only its SHA-256 and its first characters
    assert (token.user, token.name, token.expires_at, token.revoked_at) == (service_user, "Cổng dịch vụ công",
                                                                            None, None)
    assert token.digest == hashlib.sha256(key.encode()).hexdigest() and key.startswith(token.prefix)
    assert api_status(key) == 200
    assert not ApiToken.objects.filter(digest=key).exists() and key not in str(token.__dict__)

    # it is never shown again: not on the list, not on the token's page
    for path in (ADMIN, f"{ADMIN}{token.pk}/change/"):
        again = admin_client.get(path)
        assert again.status_code == 200 and key not in again.content.decode()
        assert not list(get_messages(again.wsgi_request))


def test_an_expiry_can_be_given_and_must_lie_ahead(admin_client, service_user):
    local = timezone.localtime() + timedelta(days=90)
    token, key, _page = issue(admin_client, service_user, expires_at_0=local.strftime("%Y-%m-%d"),
                              expires_at_1="08:00:00")
    assert timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M") == f"{local:%Y-%m-%d} 08:00"
    assert api_status(key) == 200

    past = timezone.localtime() - timedelta(days=1)
    refused = admin_client.post(f"{ADMIN}add/", {"user": service_user.pk, "name": "Quá hạn",
                                                 "expires_at_0": past.strftime("%Y-%m-%d"), "expires_at_1": "08:00:00"})
    assert refused.status_code == 200 and ApiToken.objects.count() == 1


def test_the_token_page_keeps_the_key_hash_user_and_expiry_read_only(admin_client, service_user):
    token, key, _page = issue(admin_client, service_user)
    other = get_user_model().objects.create_user("someone_else", password=None)
    page = admin_client.get(f"{ADMIN}{token.pk}/change/").content.decode()
    assert token.prefix in page and token.digest in page  # shown, not editable
    fields = set(re.findall(r'name="([a-z_0-9]+)"', page))
    assert not fields & {"digest", "prefix", "user", "expires_at_0", "revoked_at_0", "last_used_at_0"}

    # posting them anyway changes nothing but the name
    response = admin_client.post(f"{ADMIN}{token.pk}/change/", {
        "name": "Cổng dịch vụ công tỉnh", "user": other.pk, "digest": "0" * 64, "prefix": "x" * 10,
        "revoked_at_0": "", "expires_at_0": "2020-01-01", "expires_at_1": "00:00:00"})
    assert response.status_code == 302, response.content.decode()[:3000]
    token.refresh_from_db()
    assert (token.name, token.user, token.expires_at, token.revoked_at) == ("Cổng dịch vụ công tỉnh", service_user,
                                                                            None, None)
    assert api_status(key) == 200


def test_tokens_are_revoked_with_an_action_never_deleted(admin_client, service_user):
    token, key, _page = issue(admin_client, service_user)
    kept, kept_key = ApiToken.issue(service_user, name="Khác", lifetime=None)

    # no delete: neither the page nor the bulk action
    assert admin_client.post(f"{ADMIN}{token.pk}/delete/", {"post": "yes"}).status_code == 403
    assert "delete_selected" not in admin_client.get(ADMIN).content.decode()

    response = admin_client.post(ADMIN, {"action": "revoke", "_selected_action": [token.pk]}, follow=True)

    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None and ApiToken.objects.count() == 2
    assert api_status(key) == 401
    assert api_status(kept_key) == 200
    revoked_at = token.revoked_at
    admin_client.post(ADMIN, {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at == revoked_at  # revoking again keeps the first time


def test_only_superusers_issue_tokens(db, service_user):
    # a token acts as its user, whoever that is: a staff member with the model's permissions could
    # otherwise give themselves a superuser's key
    staff = get_user_model().objects.create_user("staff", password=None, is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="api"))
    client = Client()
    client.force_login(staff)

    assert client.get(ADMIN).status_code == 200
    assert client.get(f"{ADMIN}add/").status_code == 403
    assert client.post(f"{ADMIN}add/", {"user": service_user.pk, "name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()
