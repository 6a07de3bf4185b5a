"""Operations settings: ``settings.OPERATIONS`` over these defaults, read on every access so that
``override_settings`` works in tests; ``config/settings.py`` sets what the environment changes."""

from pathlib import Path
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Who may read /metrics: these networks (the address gunicorn sees), and the bearer token when set.
    "METRICS_ALLOW": ["127.0.0.1/32", "::1/128"],
    "METRICS_TOKEN": "",
    # Readiness reports timers as late when the oldest due one waits longer than this (seconds).
    "TIMER_LAG_LIMIT": 300.0,
    # Where `manage.py backup` writes when not given --output.
    "BACKUP_DIR": Path("var/backups"),
}


def get(name: str) -> Any:
    return getattr(settings, "OPERATIONS", {}).get(name, DEFAULTS[name])
