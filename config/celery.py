"""The Celery application; tasks are discovered in the installed apps."""

import gc
import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("quytrinh")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_process_init.connect
def freeze_loaded_objects(**_kwargs):
    """In each pool process, the objects loaded before the fork stay out of the garbage collector's
    full passes, which would otherwise walk all of them now and then in the middle of a job (see
    config/wsgi.py)."""
    gc.freeze()
