"""Settings for the benchmark's processes and its Celery worker: the project's, plus the bench
handler app. DATABASE_URL, CELERY_BROKER_URL and QUYTRINH_VAR_DIR come from the environment."""

from config.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench.app"]  # noqa: F405
