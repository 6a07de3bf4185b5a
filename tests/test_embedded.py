"""``make run`` (config/embedded.py): its Celery worker is a local demo's, often run as root in a
container or VM, where Celery's warning about a worker with superuser privileges is noise on every
start. The launcher gives the worker a warning filter for that one warning (issue 11, point 9)."""

import importlib
import os
import subprocess
import sys

import pytest

#: What Celery does when a worker starts as root, whoever runs this test.
START_AS_ROOT = (
    "import os\n"
    "os.getuid = os.geteuid = lambda: 0\n"
    "from celery import platforms\n"
    "platforms.check_privileges({'json'})\n"
)


@pytest.fixture(scope="module")
def embedded():
    """The launcher, without the demo defaults it sets on import leaking into the tests' environment."""
    before = set(os.environ)
    try:
        return importlib.import_module("config.embedded")
    finally:
        for name in set(os.environ) - before:
            del os.environ[name]


def start_as_root(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", START_AS_ROOT], env=env, capture_output=True, text=True, timeout=60)


def test_the_worker_environment_silences_celerys_superuser_warning(embedded):
    plain = {**os.environ, "PYTHONWARNINGS": "default"}
    assert "running the worker with superuser privileges" in start_as_root(plain).stderr  # what it would print

    quiet = start_as_root(embedded.worker_environment(plain))

    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr


def test_the_filter_keeps_the_callers_own_filters(embedded):
    env = embedded.worker_environment({"PYTHONWARNINGS": "error::ResourceWarning", "PATH": "/usr/bin"})

    assert env["PYTHONWARNINGS"].split(",") == ["error::ResourceWarning", embedded.WORKER_WARNING_FILTER]
    assert env["PATH"] == "/usr/bin"


def test_serve_starts_the_worker_with_that_environment(embedded, monkeypatch):
    started = []

    class Finished:
        returncode = 0

        def __init__(self, args, **kwargs):
            started.append((args, kwargs))

        def poll(self):
            return 0

        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr(embedded.subprocess, "Popen", Finished)
    monkeypatch.setattr(embedded.signal, "signal", lambda *args: None)

    assert embedded.serve() == 0

    (worker_args, worker_kwargs), (web_args, web_kwargs) = started
    assert worker_args[1:5] == ["-m", "celery", "-A", "config"] and "worker" in worker_args
    assert embedded.WORKER_WARNING_FILTER in worker_kwargs["env"]["PYTHONWARNINGS"].split(",")
    assert "gunicorn" in web_args and "env" not in web_kwargs
