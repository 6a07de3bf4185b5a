"""Settings for the real Celery worker the integration tests start: the project's, plus the test
handlers. DATABASE_URL and CELERY_BROKER_URL come from the test run's environment."""

from config.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.jobapp"]  # noqa: F405
