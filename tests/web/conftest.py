"""Fixtures of the staff pages' tests: the demo commune, clients signed in as its people, and a way
to run an incoming document to a given step through the service layer."""

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from engine import services
from engine.models import Task, TaskStatus

DEMO_PASSWORD = "quytrinh-demo"


@pytest.fixture(autouse=True)
def fresh_sign_in_counters():
    """The sign-in throttle and lockout count in the cache; every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def page_of(demo):
    """``page_of("vanthu")``: a test client signed in (through the sign-in page) as that demo user."""
    clients = {}

    def client(username: str) -> Client:
        if username not in clients:
            browser = Client()
            response = browser.post("/dang-nhap/", {"username": username, "password": DEMO_PASSWORD})
            assert response.status_code == 302, response.content[:500]
            clients[username] = browser
        return clients[username]

    return client


def open_task(instance, bpmn_id: str | None = None) -> Task:
    rows = Task.objects.filter(instance=instance, status=TaskStatus.OPEN)
    if bpmn_id:
        rows = rows.filter(bpmn_id=bpmn_id)
    return rows.get()


@pytest.fixture
def incoming(demo):
    """``incoming(until="assign")``: an incoming document of the Party committee started by the clerk
    and moved through the service layer until the step named is open; returns the instance."""
    def run(until: str = "receive", *, starter: str = "vanthu", subject: str = "V/v triển khai Sổ tay đảng viên"):
        clerk = User.objects.get(username=starter)
        instance = services.start("incoming_document", actor=clerk)
        steps = [("receive", clerk, {"valid": True}),
                 ("register", clerk, {"urgency": "khan", "organ_name": "Tỉnh ủy", "subject": subject,
                                      "code_number": "132", "code_notation": "CV/TU"}),
                 ("present", clerk, {"presented_to": "bithu"})]
        for bpmn_id, actor, data in steps:
            if bpmn_id == until:
                return instance
            services.complete(open_task(instance, bpmn_id), data=data, actor=actor)
        return instance

    return run
