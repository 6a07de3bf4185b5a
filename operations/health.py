"""What readiness checks: can this server do its work now? The database, the broker that carries
job wake-ups, the file storage, and whether timers fire on time.

A failed database, broker or storage check makes the server not ready (the load balancer stops
sending it requests). Late timers are reported but do not: they mean beat or the workers are down,
which taking web servers out of the pool would not mend (the alert ``QuytrinhTimersLate`` does).
Details say only what failed; the error itself goes to the log, not to whoever asks.
"""

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from celery import current_app
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.db.models import Min
from django.utils import timezone

from engine.models import InstanceStatus, ProcessInstance

from . import conf

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Result:
    name: str
    ok: bool
    detail: str
    seconds: float
    critical: bool = True


def database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def broker() -> str:
    with current_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def storage() -> str:
    default_storage.listdir("")
    if isinstance(default_storage, FileSystemStorage) and not os.access(default_storage.location, os.W_OK):
        raise PermissionError("the files folder is not writable")
    return "ok"


def timers() -> str:
    oldest = (ProcessInstance.objects.filter(status=InstanceStatus.RUNNING, next_timer_at__lte=timezone.now())
              .aggregate(at=Min("next_timer_at"))["at"])
    lag = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    if lag > conf.get("TIMER_LAG_LIMIT"):
        raise TimeoutError(f"the oldest due timer waits for {lag:.0f} s")
    return f"lag {lag:.1f} s"


CHECKS: dict[str, tuple[Callable[[], str], bool]] = {
    "database": (database, True),
    "broker": (broker, True),
    "storage": (storage, True),
    "timers": (timers, False),
}


def run() -> list[Result]:
    results = []
    for name, (check, critical) in CHECKS.items():
        started = time.monotonic()
        try:
            detail, ok = check(), True
        except Exception as err:  # any failure of a dependency is "not ready", never a 500
            logger.warning("readiness check %s failed: %s", name, err, exc_info=not isinstance(err, TimeoutError))
            detail, ok = (str(err) if isinstance(err, TimeoutError) else type(err).__name__), False
        results.append(Result(name, ok, detail, round(time.monotonic() - started, 4), critical))
    return results
