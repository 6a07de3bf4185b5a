"""Settings of a second deployment the two-deployment test runs on this machine: the project's, with
its Celery tasks on a queue of its own, so that two deployments can share one Redis database
without taking each other's wake-ups. DATABASE_URL, CELERY_BROKER_URL and QUYTRINH_VAR_DIR come
from its environment."""

import os

from config.settings import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ.get("QUYTRINH_TEST_QUEUE", "celery")
