"""``make run``: set up and start the whole app on the embedded default.

Migrates the database, deploys the procedure catalog, seeds the demo commune and its signing keys,
then runs a Celery worker (with beat) on the filesystem broker and the web server on
127.0.0.1:8000 until interrupted. Everything lives under ``var/``; no server is needed.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from config import var

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# The demo's signing keys (seed_signing) and their in-process timestamp authority: demo only.
os.environ.setdefault("QUYTRINH_SIGNING_DEMO_PASSWORD", "quytrinh-demo")
os.environ.setdefault("QUYTRINH_TSA_PKCS12", str(var.VAR_DIR / "signing" / "tsa.p12"))

HOST = os.environ.get("QUYTRINH_HOST", "127.0.0.1")
PORT = os.environ.get("QUYTRINH_PORT", "8000")

#: Celery warns at every start when a worker runs as root. This worker is a local demo's, often run
#: as root in a container or VM, where the warning is noise, so it is started with this filter (a
#: deployment runs its workers as their own user and keeps the warning). PYTHONWARNINGS is read
#: before any package can be imported, so Celery's SecurityWarning is named by its message, its base
#: class and the module that issues it.
WORKER_WARNING_FILTER = "ignore:You're running the worker with superuser privileges:UserWarning:celery.platforms"


def prepare() -> None:
    # Django is set up here, after the environment above; nothing of it is imported before.
    import django
    from django.core.management import call_command

    var.ensure_secret_key()
    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("seed_demo")
    call_command("seed_signing")
    call_command("seed_documents")
    call_command("deploy_processes")
    print("Demo accounts (admin, vanthu, bithu, phobithu, chanhvp, chuyenvien, bithuchibo1, …) use the password "
          "from DEMO_PASSWORD, default 'quytrinh-demo': for a local demo only.")


def worker_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` with the worker's warning filter added after the caller's own."""
    filters = [f for f in (environ.get("PYTHONWARNINGS", ""), WORKER_WARNING_FILTER) if f]
    return {**environ, "PYTHONWARNINGS": ",".join(filters)}


def serve() -> int:
    from django.conf import settings  # configured by prepare()

    python = sys.executable
    worker = subprocess.Popen(
        [python, "-m", "celery", "-A", "config", "worker", "--beat", "--loglevel=warning", "--concurrency=2",
         "--schedule", str(settings.VAR_DIR / "celerybeat-schedule")],
        env=worker_environment(os.environ),
    )
    web = subprocess.Popen(
        [python, "-m", "gunicorn", "-c", str(Path(__file__).with_name("gunicorn.conf.py")), "config.wsgi",
         "--access-logfile", "-"],
    )
    print(f"quytrinh is running on http://{HOST}:{PORT}/ (admin: /admin/, health: /healthz). Ctrl-C stops it.")

    def stop(*_args):
        for process in (web, worker):
            if process.poll() is None:
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while web.poll() is None and worker.poll() is None:
            time.sleep(0.5)
    finally:
        stop()
        for process in (web, worker):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    return web.returncode or 0


if __name__ == "__main__":
    prepare()
    sys.exit(serve())
