"""Liveness and readiness as a load balancer sees them, with dependencies really failing; and the
request id that ties a request's log lines to the jobs it queued."""

import json
import logging
import logging.config
import uuid
from datetime import timedelta

import pytest
import time_machine
from celery import current_app, signals
from django.utils import timezone
from django_guid import set_guid
from django_guid.log_filters import CorrelationId
from rest_framework.test import APIClient

from engine import services

from .test_metrics import BROKEN_TIMER, METERED


@pytest.fixture
def client():
    return APIClient()


@pytest.mark.django_db
def test_liveness_asks_nothing_of_the_dependencies(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/livez")
    assert response.status_code == 200 and response.json() == {"status": "alive"}


@pytest.mark.django_db
def test_ready_when_database_broker_and_storage_answer(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    checks = response.json()["checks"]
    assert {name: check["ok"] for name, check in checks.items()} == {
        "database": True, "broker": True, "storage": True, "timers": True}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.fixture
def unreachable_broker(monkeypatch):
    """The broker's address points at a port nobody listens on (port 9 is discard, closed here).
    Celery reads CELERY_BROKER_URL from the environment before its own setting (as CI sets it).
    The readiness check opens a connection of its own (``connection_for_write``), not one of the
    app's pool: the pool is left alone, since a closed pool is never reopened and every later test
    of the session that sends a task would fail with "Acquire on closed pool"."""
    configured = current_app.conf.broker_url
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    current_app.conf.broker_url = "redis://127.0.0.1:9/0"
    yield
    current_app.conf.broker_url = configured


@pytest.mark.django_db
def test_not_ready_without_the_broker(client, settings, tmp_path, unreachable_broker):
    settings.MEDIA_ROOT = tmp_path
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready" and body["checks"]["broker"]["ok"] is False
    assert "127.0.0.1:9" not in json.dumps(body)  # what failed, not where it lives
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_not_ready_when_the_files_folder_is_gone(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "unmounted"
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["checks"]["storage"]["ok"] is False


@pytest.mark.django_db(transaction=True)
def test_late_timers_are_reported_without_taking_the_server_out(client, settings, tmp_path, deploy_bpmn):
    settings.MEDIA_ROOT = tmp_path
    deploy_bpmn(BROKEN_TIMER, "broken_timer")
    services.start("broken_timer")
    with time_machine.travel(timezone.now() + timedelta(minutes=10), tick=False):
        response = client.get("/readyz")
    assert response.status_code == 200
    timers = response.json()["checks"]["timers"]
    assert timers["ok"] is False and timers["critical"] is False and "waits for" in timers["detail"]


@pytest.mark.django_db(transaction=True)
def test_a_request_id_reaches_the_response_the_log_and_the_jobs_it_queues(deploy_bpmn, make_user):
    deploy_bpmn(METERED.replace("shift(now(), minutes=1)", "now()"), "metered")
    clerk = make_user("clerk", "staff")
    instance = services.start("metered", actor=clerk)
    review = instance.tasks.get(status="open")
    published = []

    def capture(headers=None, **_kwargs):
        published.append(dict(headers or {}))

    signals.before_task_publish.connect(capture)
    client = APIClient()
    client.force_login(clerk)
    request_id = uuid.uuid4().hex
    try:
        response = client.post(f"/api/v1/tasks/{review.pk}/complete/", {"data": {}}, format="json",
                               HTTP_X_REQUEST_ID=request_id)
    finally:
        signals.before_task_publish.disconnect(capture)
    assert response.status_code == 200 and response["X-Request-ID"] == request_id
    jobs = [headers for headers in published if headers.get("task") == "engine.run_job"]
    assert len(jobs) == 1 and jobs[0]["X-Request-ID"] == request_id  # read back by the worker (task_prerun)

    assert APIClient().get("/livez")["X-Request-ID"]  # none given: one is made


def test_json_log_lines_carry_the_request_id(settings):
    config = settings.LOGGING
    formatter = logging.config.DictConfigurator(config).configure_formatter(config["formatters"]["json"])
    record = logging.LogRecord("engine.jobs", logging.WARNING, __file__, 1, "job %s failed", ("42",), None)
    set_guid("4d7c0a3e9f6b4c1e8a2d5b7f9e1c3a5d")
    try:
        CorrelationId().filter(record)  # the filter the settings attach to the console
    finally:
        set_guid(None)  # type: ignore[arg-type]
    line = json.loads(formatter.format(record))
    assert line["request_id"] == "4d7c0a3e9f6b4c1e8a2d5b7f9e1c3a5d"
    assert line["level"] == "WARNING" and line["logger"] == "engine.jobs" and line["message"] == "job 42 failed"
