import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle


@pytest.fixture(autouse=True)
def generous_throttles(monkeypatch):
    """Tests sign in many people from one address; the throttle test sets its own rate."""
    cache.clear()
    rates = {"login": "1000/min", "writes": "100000/min", "messages": "100000/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    yield
    cache.clear()


@pytest.fixture
def client_of(demo):
    """``client_of("vanthu")``: an API client signed in with a token, as that demo user."""
    clients = {}

    def client(username: str) -> APIClient:
        if username not in clients:
            api = APIClient()
            response = api.post("/api/v1/auth/token/", {"username": username, "password": "quytrinh-demo"},
                                format="json")
            assert response.status_code == 201, response.content
            api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
            clients[username] = api
        return clients[username]

    return client


@pytest.fixture
def anonymous():
    return APIClient()
