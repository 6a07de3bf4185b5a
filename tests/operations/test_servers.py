"""More than one server: two web servers (gunicorn, two processes each) and two Celery workers with
one beat, on one PostgreSQL and one Redis, files on one shared folder, as docs/DEPLOY.md lays out.

Completions racing across the servers give one success; timers fire once with both workers
sweeping; a job whose worker is killed completes once on the other; what a server keeps in memory
(live workflows, parsed definitions, the calendar) never answers for a change made on the other."""

import json
import os
import sys
import threading
import time
from collections import Counter
from datetime import date, timedelta

import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import Group, User

from api.models import ApiToken
from config.celery import app as celery_app
from engine import services
from engine.models import AuditEvent, CalendarDay, InstanceStatus, Job, JobStatus, ProcessInstance, Task

from ..bpmn_helpers import lane, lanes, process
from ..test_jobs import param, service_process
from .conftest import database_url
from .deployment import Service, free_port, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

STEPS = process("""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="a"/>
    <bpmn:userTask id="a" name="A"/>
    <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="b"/>
    <bpmn:userTask id="b" name="B"/>
    <bpmn:sequenceFlow id="f3" sourceRef="b" targetRef="c"/>
    <bpmn:userTask id="c" name="C"/>
    <bpmn:sequenceFlow id="f4" sourceRef="c" targetRef="d"/>
    <bpmn:userTask id="d" name="D"/>
    <bpmn:sequenceFlow id="f5" sourceRef="d" targetRef="end"/>
    <bpmn:endEvent id="end"/>""", "steps", lanes(lane("staff", "a", "b", "c", "d")))

TIMED = process("""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:timerEventDefinition><bpmn:timeDate>shift(now(), minutes=0.05)</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="count"/>
    <bpmn:scriptTask id="count"><bpmn:script>fired = fired + 1</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="count" targetRef="check"/>
    <bpmn:userTask id="check" name="Check"/>
    <bpmn:sequenceFlow id="f4" sourceRef="check" targetRef="end"/>
    <bpmn:endEvent id="end"/>""", "timed", lanes(lane("staff", "check")))

DUE_NEXT_WORKING_DAY = process("""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="answer"/>
    <bpmn:userTask id="answer" name="Answer">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="dueDate" value="working_days(1)"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="answer" targetRef="end"/>
    <bpmn:endEvent id="end"/>""", "due_next", lanes(lane("staff", "answer")))


class Cluster:
    """Two web servers and two workers of one deployment, and beat; ``web[i].url``."""

    def __init__(self, tmp):
        shared = {
            **{k: v for k, v in os.environ.items() if not k.startswith("QUYTRINH_")},
            "DJANGO_SETTINGS_MODULE": "tests.worker_settings",  # the project's, with the tests' job handlers
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CACHE_URL": settings.CELERY_BROKER_URL,
            "SECRET_KEY": "two-servers-one-deployment",
            "QUYTRINH_FILES_DIR": str(tmp / "shared-files"),
            "QUYTRINH_JOB_LEASE_SECONDS": "3",
            "QUYTRINH_JOB_RETRY_DELAY": "0.5",
            "QUYTRINH_WEB_WORKERS": "2",
        }
        python = sys.executable
        self.web, self.workers = [], []
        for name in ("a", "b"):
            port = free_port()
            env = {**shared, "QUYTRINH_VAR_DIR": str(tmp / f"server-{name}"), "QUYTRINH_PORT": str(port)}
            service = Service([python, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"], env,
                              tmp / f"web-{name}.log")
            service.url = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
            self.web.append(service)
            self.workers.append(Service(
                [python, "-m", "celery", "-A", "config", "worker", "--loglevel=info", "--concurrency=1",
                 "-n", f"{name}-{port}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"],
                env, tmp / f"worker-{name}.log"))
        self.beat = Service([python, "-m", "celery", "-A", "config", "beat", "--loglevel=info",
                             f"--schedule={tmp / 'server-a' / 'beat-schedule'}"],
                            {**shared, "QUYTRINH_VAR_DIR": str(tmp / "server-a")}, tmp / "beat.log")

    def start(self) -> "Cluster":
        for service in [*self.web, *self.workers, self.beat]:
            service.start()
        for worker in self.workers:
            self.wait_ready(worker)
        for web in self.web:
            assert wait_for(lambda web=web: _answers(web.url), timeout=90), web.log.read_text()[-3000:]
        return self

    @staticmethod
    def wait_ready(worker: Service) -> None:
        assert wait_for(lambda: "ready" in worker.log.read_text(), timeout=90), worker.log.read_text()[-3000:]

    def stop(self) -> None:
        for service in [self.beat, *self.workers, *self.web]:
            service.stop()


def _answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/livez", timeout=5).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture(scope="module")
def cluster(django_db_setup, tmp_path_factory):
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("needs a Redis broker: set CELERY_BROKER_URL (CI does)")
    celery_app.control.purge()
    running = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        yield running.start()
    finally:
        running.stop()


@pytest.fixture
def staff(transactional_db):
    """A staff member and the API token they use on either server."""
    user = User.objects.create_user("canbo", password="x")
    user.groups.add(Group.objects.get_or_create(name="staff")[0])
    _token, key = ApiToken.issue(user, name="two servers", lifetime=None)
    return user, {"Authorization": f"Token {key}"}


def test_a_completion_racing_on_both_servers_succeeds_once(cluster, staff):
    user, auth = staff
    services.deploy({"steps.bpmn": STEPS})
    started = requests.post(f"{cluster.web[0].url}/api/v1/process-definitions/steps/start/", json={"data": {}},
                            headers=auth, timeout=30)
    assert started.status_code == 201, started.text
    task = Task.objects.get(instance_id=started.json()["id"], status="open")
    barrier, answers = threading.Barrier(10), []

    def complete(server):
        barrier.wait(timeout=30)
        answers.append(requests.post(f"{server.url}/api/v1/tasks/{task.pk}/complete/", json={"data": {}},
                                     headers=auth, timeout=60).status_code)

    threads = [threading.Thread(target=complete, args=(cluster.web[i % 2],)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)

    assert Counter(answers) == {200: 1, 409: 9}
    assert AuditEvent.objects.filter(instance_id=task.instance_id, action="task_completed").count() == 1
    assert list(Task.objects.filter(instance_id=task.instance_id, status="open").values_list("bpmn_id", flat=True)) \
        == ["b"]
    assert ProcessInstance.objects.get(pk=task.instance_id).revision == 2


def test_timers_fire_once_with_both_workers_sweeping(cluster, transactional_db):
    services.deploy({"timed.bpmn": TIMED})
    ids = [services.start("timed", data={"fired": 0}).pk for _ in range(40)]
    time.sleep(3)  # due now; beat asks every second, and both workers are asked at once besides
    for _ in range(6):
        celery_app.send_task("engine.fire_timers")

    assert wait_for(lambda: Task.objects.filter(instance_id__in=ids, bpmn_id="check").count() >= 40, timeout=60)
    time.sleep(2)  # let any second firing show itself
    per_instance = Counter(Task.objects.filter(instance_id__in=ids).values_list("instance_id", flat=True))
    assert set(per_instance.values()) == {1} and len(per_instance) == 40
    assert set(ProcessInstance.objects.filter(pk__in=ids).values_list("revision", flat=True)) == {2}
    for worker in cluster.workers:  # both swept
        assert "engine.fire_timers" in worker.log.read_text()


def test_a_job_whose_worker_is_killed_completes_once_on_the_other(cluster, transactional_db, tmp_path):
    log = tmp_path / "runs.log"
    services.deploy({"svc.bpmn": service_process("tests.slow_sign", param("log", f"'{log}'") + param("seconds", "4"))})
    instance = services.start("svc")
    job = Job.objects.get(instance=instance)
    assert wait_for(lambda: log.exists() and len(log.read_text().splitlines()) == 1, timeout=60)
    runner = json.loads(log.read_text().splitlines()[0])["pid"]
    doomed = next(w for w in cluster.workers if w.running() and os.getpgid(runner) == w.process.pid)
    survivor = next(w for w in cluster.workers if w is not doomed)
    doomed.kill()  # the whole worker, SIGKILL, in the middle of the job
    try:
        assert Job.objects.get(pk=job.pk).status == JobStatus.RUNNING
        time.sleep(3.5)  # the dead worker's lease runs out
        celery_app.send_task("engine.sweep_jobs")  # what beat sends every 30 s

        assert wait_for(lambda: Job.objects.get(pk=job.pk).status == JobStatus.DONE, timeout=60), \
            survivor.log.read_text()[-3000:]
        runs = [json.loads(line) for line in log.read_text().splitlines()]
        assert len(runs) == 2 and {run["key"] for run in runs} == {job.idempotency_key}
        assert os.getpgid(runs[1]["pid"]) == survivor.process.pid
        assert AuditEvent.objects.filter(instance=instance, action="job_completed").count() == 1
        assert Task.objects.filter(instance=instance, bpmn_id="check").count() == 1
        assert ProcessInstance.objects.get(pk=instance.pk).revision == 2
    finally:
        doomed.start()
        cluster.wait_ready(doomed)


def test_live_workflows_follow_steps_taken_on_the_other_server(cluster, staff):
    user, auth = staff
    services.deploy({"steps.bpmn": STEPS})
    a, b = (server.url for server in cluster.web)
    started = requests.post(f"{a}/api/v1/process-definitions/steps/start/", json={"data": {}}, headers=auth,
                            timeout=30)
    instance = started.json()["id"]
    for server, step in ((a, "a"), (b, "b"), (a, "c"), (b, "d")):  # each server's memory is a step behind
        task = Task.objects.get(instance_id=instance, status="open")
        assert task.bpmn_id == step
        done = requests.post(f"{server}/api/v1/tasks/{task.pk}/complete/", json={"data": {f"by_{step}": server}},
                             headers=auth, timeout=30)
        assert done.status_code == 200, done.text
    finished = ProcessInstance.objects.get(pk=instance)
    assert finished.status == InstanceStatus.COMPLETED and finished.revision == 5
    detail = requests.get(f"{a}/api/v1/process-instances/{instance}/", headers=auth, timeout=30).json()
    assert {detail["data"][f"by_{step}"] for step in "abcd"} == {a, b}  # nothing lost


def test_a_new_version_deployed_on_one_server_starts_on_the_other(cluster, staff):
    user, auth = staff
    user.is_superuser = True
    user.save()
    a, b = (server.url for server in cluster.web)
    first = requests.post(f"{a}/api/v1/process-definitions/", files={"file": ("steps.bpmn", STEPS)}, headers=auth,
                          timeout=60)
    assert first.status_code == 201, first.text
    for _ in range(4):  # every process of server b has parsed and cached version 1
        assert requests.post(f"{b}/api/v1/process-definitions/steps/start/", json={"data": {}}, headers=auth,
                             timeout=30).json()["version"] == 1

    second = requests.post(f"{a}/api/v1/process-definitions/",
                           files={"file": ("steps.bpmn", STEPS.replace('name="D"', 'name="D, again"'))},
                           headers=auth, timeout=60)
    assert second.status_code == 201 and second.json()["version"] == 2
    versions = {requests.post(f"{b}/api/v1/process-definitions/steps/start/", json={"data": {}}, headers=auth,
                              timeout=30).json()["version"] for _ in range(4)}
    assert versions == {2}


def test_a_day_off_set_on_one_server_counts_at_once_on_the_other(cluster, staff):
    user, auth = staff
    user.is_superuser, user.is_staff = True, True
    # the servers check passwords with the project's hashers, not the tests' fast one
    user.password = PBKDF2PasswordHasher().encode("Quan-tri-2026", PBKDF2PasswordHasher().salt())
    user.save()
    services.deploy({"due_next.bpmn": DUE_NEXT_WORKING_DAY})
    a, b = (server.url for server in cluster.web)

    def due_on_b() -> date:
        started = requests.post(f"{b}/api/v1/process-definitions/due_next/start/", json={"data": {}}, headers=auth,
                                timeout=30)
        assert started.status_code == 201, started.text
        return Task.objects.get(instance_id=started.json()["id"]).due_at.date()

    due = [due_on_b() for _ in range(4)][-1]  # every process of server b has read the calendar

    admin = requests.Session()
    login = admin.get(f"{a}/admin/login/", timeout=30)
    admin.post(f"{a}/admin/login/?next=/admin/", data={
        "username": user.username, "password": "Quan-tri-2026", "csrfmiddlewaretoken": login.cookies["csrftoken"],
        "next": "/admin/"}, headers={"Referer": f"{a}/admin/login/"}, timeout=30)
    form = admin.get(f"{a}/admin/engine/calendarday/add/", timeout=30)
    added = admin.post(f"{a}/admin/engine/calendarday/add/", data={
        "day": due.isoformat(), "kind": "day_off", "name": "Nghỉ bù", "csrfmiddlewaretoken": form.cookies.get(
            "csrftoken", admin.cookies["csrftoken"])}, headers={"Referer": f"{a}/admin/engine/calendarday/add/"},
        timeout=30)
    assert added.status_code in (200, 302) and CalendarDay.objects.filter(day=due).exists(), added.text[-2000:]

    assert {due_on_b() for _ in range(4)} == {due + timedelta(days=1 if due.weekday() < 4 else 3)}
