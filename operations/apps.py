from celery import signals
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from . import checks, logs


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = _("Operations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        checks.register_all()
        signals.after_setup_logger.connect(logs.format_celery_logs, weak=False)
        signals.after_setup_task_logger.connect(logs.format_celery_logs, weak=False)
