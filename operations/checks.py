"""``manage.py check --deploy``: what would go wrong on a real server with these settings, beyond
Django's own list (docs/DEPLOY.md). Only run with ``--deploy``: the embedded demo is none of this."""

import os

from django.conf import settings
from django.core.checks import Tags, Warning, register

from . import conf


def secret_key_is_shared(app_configs, **kwargs):
    ephemeral = getattr(settings, "EPHEMERAL_SECRET_KEY", None)  # config/settings.py: made up when none is set
    if ephemeral == settings.SECRET_KEY:
        return [Warning("SECRET_KEY is not set: each process signs sessions and tokens with a key of its own.",
                        hint="Set SECRET_KEY in the environment file, the same on every server.", id="operations.W001")]
    return []


def services_are_shared(app_configs, **kwargs):
    found = []
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        found.append(Warning("The Celery broker is the embedded filesystem one: workers on other servers never see "
                             "its messages.", hint="Set CELERY_BROKER_URL=redis://…", id="operations.W002"))
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        found.append(Warning("The database is SQLite: one server only, and no pg_dump snapshots.",
                             hint="Set DATABASE_URL=postgres://…", id="operations.W003"))
    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        found.append(Warning("The cache is per process: throttles and sign-in lockouts are not shared.",
                             hint="Set CACHE_URL=redis://…", id="operations.W004"))
    return found


def metrics_are_gathered_and_guarded(app_configs, **kwargs):
    found = []
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        found.append(Warning("PROMETHEUS_MULTIPROC_DIR is not set: /metrics shows one gunicorn worker's counters "
                             "at a time and none of the Celery workers'.",
                             hint="Set it to a folder on tmpfs (deploy/tmpfiles.d/quytrinh.conf).",
                             id="operations.W005"))
    elif not os.access(folder, os.W_OK):
        found.append(Warning(f"PROMETHEUS_MULTIPROC_DIR ({folder}) is not a writable folder.",
                             hint="systemd-tmpfiles --create /etc/tmpfiles.d/quytrinh.conf", id="operations.W006"))
    if not conf.get("METRICS_TOKEN"):
        found.append(Warning("QUYTRINH_METRICS_TOKEN is not set: anyone who reaches /metrics from an allowed address "
                             "(nginx's, for every client it proxies) reads it.",
                             hint="Set a token and give it to Prometheus.", id="operations.W007"))
    return found


def register_all() -> None:
    """Called once the app registry is ready (``OperationsConfig.ready``)."""
    register(secret_key_is_shared, Tags.security, deploy=True)
    register(services_are_shared, deploy=True)
    register(metrics_are_gathered_and_guarded, deploy=True)
