"""Celery's own log lines in the deployment's format: a worker keeps its ``--loglevel`` and
handlers, given the formatter the settings chose (``QUYTRINH_LOG_FORMAT``) and the request id
filter, so a job's lines carry the id of the request that queued it (django-guid sets it per task)."""

import logging
import logging.config

from django.conf import settings
from django_guid.log_filters import CorrelationId


def _console_formatter() -> logging.Formatter:
    config: dict = settings.LOGGING
    name = config["handlers"]["console"].get("formatter", "text")
    return logging.config.DictConfigurator(config).configure_formatter(dict(config["formatters"][name]))


def format_celery_logs(logger: logging.Logger, **_kwargs) -> None:
    """Receiver of Celery's ``after_setup_logger`` and ``after_setup_task_logger``."""
    formatter = _console_formatter()
    for handler in logger.handlers:
        handler.setFormatter(formatter)
        if not any(isinstance(f, CorrelationId) for f in handler.filters):
            handler.addFilter(CorrelationId())
