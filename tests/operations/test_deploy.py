"""The deployment files as shipped: every setting in the environment file, ``check --deploy`` clean
with it, the first run of a new server, a valid nginx site, alert rules that name real series, and
the production configuration (gunicorn, a worker, beat, PostgreSQL, Redis) started from the units'
own commands."""

import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.contrib.auth.models import User
from prometheus_client.parser import text_string_to_metric_families

from directory.models import Body
from engine import services
from engine.models import ProcessDefinition, Task
from operations import metrics

from ..bpmn_helpers import lane, lanes, process
from .conftest import database_url
from .deployment import DEPLOY, ROOT, Service, documented_variables, environment_file, free_port, get, unit_command
from .deployment import wait_for as eventually

SOURCES = ["config", "engine", "processes", "directory", "forms", "signing", "documents", "exchange", "api", "web",
           "operations"]
READS_ENVIRONMENT = re.compile(r"(?:environ\.get|environ\[|getenv|env_bool|env_list)\(?\s*[\"']([A-Z][A-Z0-9_]+)[\"']")
#: Variables the code reads that are not settings of a server: Python's own.
NOT_SETTINGS = {"PYTHONWARNINGS", "PATH"}  # PATH: the system's, handed on to LibreOffice


def variables_read_by_the_code() -> set[str]:
    found = set()
    for app in SOURCES:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                found.update(READS_ENVIRONMENT.findall(path.read_text()))
    return found - NOT_SETTINGS


def test_the_environment_file_names_every_setting_the_code_reads():
    read = variables_read_by_the_code()
    assert {"DATABASE_URL", "SECRET_KEY", "QUYTRINH_FILES_DIR", "QUYTRINH_METRICS_TOKEN"} <= read  # the scan works
    assert read - documented_variables() == set()


def production_environment(tmp_path: Path, **overrides) -> dict[str, str]:
    """The shipped environment file as an administrator fills it in, on this machine's services."""
    # not the test session's own switches either (the browser tests lift Django's async guard)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("QUYTRINH_", "PG")) and key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(environment_file())
    env.update({
        "SECRET_KEY": secrets.token_urlsafe(50),
        "QUYTRINH_METRICS_TOKEN": secrets.token_urlsafe(24),
        "QUYTRINH_VAR_DIR": str(tmp_path / "var"),
        "QUYTRINH_FILES_DIR": str(tmp_path / "files"),
        "QUYTRINH_BACKUP_DIR": str(tmp_path / "backups"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    })
    env.update(overrides)
    for folder in ("var", "files", "backups", "metrics"):
        (tmp_path / folder).mkdir(exist_ok=True)
    return env


def manage_with(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def test_check_deploy_is_clean_with_the_shipped_settings_once_filled_in(tmp_path):
    filled = production_environment(tmp_path)
    checked = manage_with(filled, "check", "--deploy", "--fail-level", "WARNING")
    assert checked.returncode == 0, checked.stdout + checked.stderr

    as_shipped = {**filled, "SECRET_KEY": "", "QUYTRINH_METRICS_TOKEN": ""}
    refused = manage_with(as_shipped, "check", "--deploy", "--fail-level", "WARNING")
    assert refused.returncode != 0
    assert "operations.W001" in refused.stderr and "operations.W007" in refused.stderr


def test_first_run_sets_up_a_new_server_without_demo_data(tmp_path):
    env = production_environment(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'new.sqlite3'}")
    without_password = manage_with(env, "first_run", "--admin", "quantri")
    assert without_password.returncode != 0 and "QUYTRINH_ADMIN_PASSWORD" in without_password.stderr
    weak = manage_with({**env, "QUYTRINH_ADMIN_PASSWORD": "123456"}, "first_run", "--admin", "quantri")
    assert weak.returncode != 0
    with sqlite3.connect(tmp_path / "new.sqlite3") as untouched:
        assert untouched.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0  # nothing migrated

    done = manage_with({**env, "QUYTRINH_ADMIN_PASSWORD": "Vinh-An-2026-quan-tri"}, "first_run", "--admin", "quantri",
                       "--email", "quantri@example.gov.vn")
    assert done.returncode == 0, done.stderr
    again = manage_with(env, "first_run", "--admin", "second")  # an upgrade: no password needed, no second account
    assert again.returncode == 0, again.stderr

    assert (tmp_path / "var" / "static" / "admin").is_dir()
    query = ("import json; from django.contrib.auth.models import User; from directory.models import Body, Member; "
             "from engine.models import ProcessDefinition; print(json.dumps([list(User.objects.filter("
             "is_superuser=True).values_list('username', flat=True)), Body.objects.count(), Member.objects.count(), "
             "sorted(set(ProcessDefinition.objects.values_list('key', flat=True)))]))")
    shell = manage_with(env, "shell", "--verbosity", "0", "-c", query)
    admins, bodies, members, processes = json.loads(shell.stdout.strip().splitlines()[-1])
    assert admins == ["quantri"] and bodies == 0 and members == 0
    assert "incoming_document" in processes


@pytest.mark.skipif(shutil.which("nginx") is None, reason="needs nginx (apt-get install nginx-light)")
def test_the_nginx_site_is_valid(tmp_path):
    certificate, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(certificate), "-days", "1", "-subj", "/CN=quytrinh.example.gov.vn"], check=True,
                   capture_output=True)
    site = (DEPLOY / "nginx" / "quytrinh.conf").read_text()
    site = (site.replace("/etc/nginx/snippets/quytrinh-proxy.conf", str(DEPLOY / "nginx" / "quytrinh-proxy.conf"))
            .replace("/etc/ssl/quytrinh/fullchain.pem", str(certificate))
            .replace("/etc/ssl/quytrinh/privkey.pem", str(key)))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
                                         f"http {{\naccess_log off;\ninclude {tmp_path}/site.conf;\n}}\n")
    tested = subprocess.run(["nginx", "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True,
                            check=False)
    assert tested.returncode == 0, tested.stderr
    limit = re.search(r"client_max_body_size\s+(\d+)m;", site)
    assert limit and int(limit.group(1)) > 20  # a 20 MB file (documents.records.MAX_FILE_BYTES) and its envelope


@pytest.mark.django_db
def test_the_alert_rules_name_series_the_app_exposes():
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    expressions = " ".join(rule["expr"] for group in rules["groups"] for rule in group["rules"])
    named = set(re.findall(r"\b(quytrinh_[a-z_]+|django_http_[a-z_]+)", expressions))
    exposed = {family.name for family in text_string_to_metric_families(metrics.exposition().decode())}
    exposed |= {f"{name}_bucket" for name in exposed} | {"quytrinh_step_duration_seconds_bucket"}
    exposed |= {"quytrinh_backup_last_success_timestamp_seconds"}  # manage.py backup --prometheus-textfile
    exposed |= {"django_http_responses_total_by_status_view_method_total",
                "django_http_requests_latency_seconds_by_view_method_bucket"}  # django-prometheus, once requested
    assert named and named <= exposed, named - exposed


TIMER_THEN_TASK = process("""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:timerEventDefinition><bpmn:timeDate>shift(now(), minutes=0.05)</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="review"/>
    <bpmn:userTask id="review" name="Review"/>
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="end"/>
    <bpmn:endEvent id="end"/>""", "timer_then_task", lanes(lane("van_thu", "review")))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_production_configuration_starts_from_the_deploy_files(tmp_path):
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("needs a Redis broker: set CELERY_BROKER_URL (CI does)")
    port = free_port()
    env = production_environment(tmp_path, DATABASE_URL=database_url(), CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
                                 CACHE_URL=settings.CELERY_BROKER_URL, QUYTRINH_PORT=str(port), LOG_LEVEL="INFO")
    first = manage_with({**env, "QUYTRINH_ADMIN_PASSWORD": "Vinh-An-2026-quan-tri"}, "first_run", "--admin", "quantri")
    assert first.returncode == 0, first.stderr
    assert not Body.objects.exists() and ProcessDefinition.objects.filter(key="incoming_document").exists()

    var = str(tmp_path / "var")
    services_ = [Service([arg.replace("/var/lib/quytrinh", var) for arg in unit_command(unit)], env,
                         tmp_path / f"{unit}.log") for unit in
                 ("quytrinh-beat.service", "quytrinh-worker.service", "quytrinh-web.service")]
    try:
        for service in services_:
            service.start()
        beat, worker, web = services_
        assert eventually(lambda: _answers(port), timeout=90), web.log.read_text()[-3000:]
        status, _headers, body = get(port, "/healthz")
        assert status == 200 and "incoming_document" in json.loads(body)["processes"]
        assert eventually(lambda: "ready" in worker.log.read_text(), timeout=90), worker.log.read_text()[-3000:]
        status, _headers, body = get(port, "/readyz")
        assert status == 200, body
        assert get(port, "/metrics")[0] == 404  # no token
        status, _headers, body = get(port, "/api/v1/tasks/")
        assert status == 401  # the API answers, and asks who is calling

        services.deploy({"timer_then_task.bpmn": TIMER_THEN_TASK})
        instance = services.start("timer_then_task", body="dang_uy_xa", actor=User.objects.get(username="quantri"))
        assert eventually(lambda: Task.objects.filter(instance=instance, bpmn_id="review").exists(), timeout=60), (
            worker.log.read_text()[-3000:] + beat.log.read_text()[-2000:])

        request_id = "5b1f0c2e7d9a4e3f8c6b2a1d0e9f8a7b"
        status, headers, body = get(port, "/metrics", headers={
            "Authorization": f"Bearer {env['QUYTRINH_METRICS_TOKEN']}", "X-Request-ID": request_id})
        assert status == 200 and headers["x-request-id"] == request_id
        samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
                   for family in text_string_to_metric_families(body.decode()) for s in family.samples}
        # recorded by the worker's process, shown by the web server's: one metrics folder per server
        assert samples[("quytrinh_timer_lateness_seconds_count", ())] >= 1
        assert samples[("quytrinh_step_duration_seconds_count", (("process", "timer_then_task"),))] >= 1
        assert samples[("django_http_responses_total_by_status_view_method_total",
                        (("method", "GET"), ("status", "200"), ("view", "health")))] >= 1
        assert samples[("quytrinh_timers_overdue", ())] == 0
        for service in services_:
            assert service.running(), service.log.read_text()[-3000:]
    finally:
        for service in reversed(services_):
            service.stop()
    logged = [json.loads(line) for line in worker.log.read_text().splitlines() if line.startswith("{")]
    assert logged and all({"time", "level", "logger", "message", "request_id"} <= set(line) for line in logged)
    assert "Traceback" not in web.log.read_text()


def _answers(port: int) -> bool:
    try:
        return get(port, "/livez")[0] == 200
    except OSError:
        return False
