"""The app as ``make run`` and deployments serve it: gunicorn with config/gunicorn.conf.py, its
workers loading ahead and freezing before their first request (config/wsgi.py)."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from engine import services
from processes import catalog

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The test database, as a URL for another process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_the_shipped_gunicorn_settings_serve_the_app(tmp_path):
    services.deploy(catalog.files())
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url(), "QUYTRINH_VAR_DIR": str(tmp_path), "SECRET_KEY": "test",
           "QUYTRINH_PORT": str(port), "DJANGO_SETTINGS_MODULE": "config.settings"}
    log = tmp_path / "gunicorn.log"
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"],
                              cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        deadline, answers = time.time() + 60, []
        while not answers:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                for _ in range(3):  # one kept-alive connection, several requests
                    conn.request("GET", "/healthz")
                    response = conn.getresponse()
                    answers.append((response.status, json.loads(response.read())))
            except OSError:
                assert time.time() < deadline and server.poll() is None, log.read_text()[-3000:]
                time.sleep(0.3)
        assert answers == [answers[0]] * 3 and answers[0][0] == 200, answers
        assert answers[0][1]["status"] == "ok" and "incoming_document" in answers[0][1]["processes"]
        conn.request("GET", "/api/v1/tasks/")
        response = conn.getresponse()
        assert response.status == 401 and response.getheader("Content-Type") == "application/problem+json"
        response.read()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    assert "Booting worker" in log.read_text() and "Traceback" not in log.read_text()
