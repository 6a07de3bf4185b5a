"""With a real Redis broker and a real Celery worker: jobs complete their step exactly once, even
when the worker is killed (SIGKILL) in the middle of a job."""

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from engine import jobs, services
from engine.models import AuditEvent, Job, JobStatus, ProcessInstance, Task

from .test_jobs import param, service_process

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def wait_for(condition, timeout=60.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


class Worker:
    """A Celery worker in its own process group, on the test database and the test broker."""

    def __init__(self, tmp_path):
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "QUYTRINH_JOB_LEASE_SECONDS": "3",
            "QUYTRINH_JOB_RETRY_DELAY": "0.5",
            "QUYTRINH_VAR_DIR": str(tmp_path / "var"),
        }
        self.log = tmp_path / "worker.log"
        self.process = None

    def start(self):
        name = f"test-{uuid.uuid4().hex[:8]}@%h"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=info", "--concurrency=1",
             "-n", name, "--without-gossip", "--without-mingle", "--without-heartbeat"],
            env=self.env, stdout=self.log.open("a"), stderr=subprocess.STDOUT, start_new_session=True)
        assert wait_for(lambda: "ready" in self.log.read_text(), timeout=60), self.log.read_text()[-2000:]
        return self

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker(tmp_path):
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("needs a Redis broker: set CELERY_BROKER_URL (CI does)")
    celery_app.control.purge()
    started = []

    def start():
        started.append(Worker(tmp_path).start())
        return started[-1]

    yield start
    for w in started:
        w.stop()


def test_jobs_complete_through_the_broker(worker, deploy_bpmn, tmp_path):
    worker()
    deploy_bpmn(service_process("tests.slow_sign", param("log", f"'{tmp_path / 'runs.log'}'")), "svc")

    instances = [services.start("svc").pk for _ in range(5)]

    assert wait_for(lambda: Job.objects.filter(status=JobStatus.DONE).count() == 5, timeout=60)
    assert Task.objects.filter(instance__in=instances, bpmn_id="check", status="open").count() == 5


def test_a_failing_job_is_retried_with_backoff(worker, deploy_bpmn):
    worker()
    deploy_bpmn(service_process("tests.flaky", param("failures", "2")), "svc")

    instance = services.start("svc")

    assert wait_for(lambda: Job.objects.filter(instance=instance, status=JobStatus.DONE).exists(), timeout=60)
    job = Job.objects.get(instance=instance)
    assert job.attempts == 3
    assert Task.objects.get(instance=instance, status="open").bpmn_id == "check"


def test_a_worker_killed_mid_job_leads_to_exactly_one_completion(worker, deploy_bpmn, tmp_path):
    log = tmp_path / "runs.log"
    first = worker()
    deploy_bpmn(service_process("tests.slow_sign", param("log", f"'{log}'") + param("seconds", "4")), "svc")
    instance = services.start("svc")
    job = Job.objects.get(instance=instance)

    assert wait_for(lambda: log.exists() and len(log.read_text().splitlines()) == 1, timeout=60)
    first.kill()  # SIGKILL the worker and its pool while the handler sleeps
    assert Job.objects.get(pk=job.pk).status == JobStatus.RUNNING

    worker()
    time.sleep(3.5)  # the dead worker's lease expires
    assert jobs.sweep() == 1  # the beat job, called directly

    assert wait_for(lambda: Job.objects.get(pk=job.pk).status == JobStatus.DONE, timeout=60)
    assert len(log.read_text().splitlines()) == 2  # the handler ran twice, under one idempotency key
    assert {line.split('"key": ')[1].split('"')[1] for line in log.read_text().splitlines()} == {job.idempotency_key}
    assert AuditEvent.objects.filter(instance=instance, action="job_completed").count() == 1
    assert Task.objects.filter(instance=instance, bpmn_id="check").count() == 1
    assert ProcessInstance.objects.get(pk=instance.pk).revision == 2
