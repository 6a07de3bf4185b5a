"""The Celery application; tasks are discovered in the installed apps."""

import gc
import os
from pathlib import Path

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("quytrinh")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def make_broker_folders(sender, **_kwargs):
    """The embedded mode's filesystem broker needs its folders before the first message."""
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@signals.worker_process_init.connect
def freeze_loaded_objects(**_kwargs):
    """In each pool process, the objects loaded before the fork stay out of the garbage collector's
    full passes, which would otherwise walk all of them now and then in the middle of a job (see
    config/wsgi.py)."""
    gc.freeze()
