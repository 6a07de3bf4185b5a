"""Tokens: issued against a password, stored as hashes, revocable, expiring; sign-in is throttled."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from api.models import ApiToken
from engine.models import AuditEvent


def test_a_token_is_issued_once_and_stored_as_a_hash(demo):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "vanthu", "password": "quytrinh-demo"}, format="json")

    assert response.status_code == 201
    key = response.json()["token"]
    stored = ApiToken.objects.get(user__username="vanthu")
    assert key not in (stored.digest, stored.prefix) and len(stored.digest) == 64
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/tasks/").status_code == 200


def test_a_wrong_password_is_refused_as_a_problem_and_recorded(demo):
    response = APIClient().post("/api/v1/auth/token/", {"username": "vanthu", "password": "wrong"}, format="json")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401
    assert AuditEvent.objects.filter(stream="access", action="access_denied", after__status=401).exists()


def test_revoked_and_expired_tokens_stop_working(demo, client_of):
    client = client_of("vanthu")
    assert client.delete("/api/v1/auth/token/").status_code == 204
    assert client.get("/api/v1/tasks/").status_code == 401

    token, key = ApiToken.issue(ApiToken.objects.first().user, name="old", lifetime=timedelta(days=1))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = APIClient()
    expired.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert expired.get("/api/v1/tasks/").status_code == 401


def test_sign_in_is_throttled(demo, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "3/min"})
    client = APIClient()
    codes = [client.post("/api/v1/auth/token/", {"username": "vanthu", "password": "wrong"}, format="json").status_code
             for _ in range(4)]
    assert codes == [401, 401, 401, 429]


@pytest.mark.parametrize("path", ["/api/v1/tasks/", "/api/v1/process-instances/", "/api/v1/process-definitions/",
                                  "/api/v1/incidents/"])
def test_anonymous_callers_are_refused(demo, anonymous, path):
    response = anonymous.get(path)
    assert response.status_code == 401 and response["Content-Type"] == "application/problem+json"
