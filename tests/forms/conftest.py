"""Forms tests: a task of the incoming-document procedure in the demo commune, and Vietnamese."""

import pytest
from django.contrib.auth.models import User
from django.utils import translation

from engine import services
from engine.models import Task, TaskStatus
from forms import registry


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


@pytest.fixture(autouse=True)
def fresh_registry():
    registry.reload()
    yield
    registry.reload()


def person(username: str) -> User:
    return User.objects.get(username=username)


def open_task(instance) -> Task:
    return Task.objects.get(instance=instance, status=TaskStatus.OPEN)


@pytest.fixture
def at_present(demo):
    """An incoming document of the Party Committee, received and registered: the clerk presents it."""
    clerk = person("vanthu")
    instance = services.start("incoming_document", actor=clerk, body="dang_uy_xa")
    services.complete(open_task(instance), data={"valid": True}, actor=clerk)
    services.complete(open_task(instance), data={"organ_name": "Tỉnh ủy", "subject": "V/v Sổ tay đảng viên",
                                                 "urgency": "khan"}, actor=clerk)
    return open_task(instance)
