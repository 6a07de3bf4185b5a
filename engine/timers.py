"""Firing due timers: many instances per transaction, safe with several workers at once.

Each instance keeps ``next_timer_at`` (the earliest timer it waits for, indexed). The sweep takes
a batch of due, running instances with ``SELECT … FOR UPDATE SKIP LOCKED`` (another worker's
batch is skipped, not waited for), moves each one on in memory, and writes the whole batch with
bulk statements. An instance whose step fails is left out of the batch, gets an incident, and is
not retried by the sweep until an administrator acts (its ``next_timer_at`` is cleared).
"""

import logging

from django.db import transaction
from django.utils import timezone
from SpiffWorkflow.exceptions import SpiffWorkflowException

from . import audit, conf, metrics, steps
from .exceptions import EngineError
from .failures import script_error
from .models import Incident, InstanceStatus, ProcessInstance

logger = logging.getLogger(__name__)


def fire_due(*, limit: int | None = None, now=None) -> int:
    """Fire the timers due now, one batch; returns how many due instances it took."""
    now = now or timezone.now()
    limit = limit or conf.get("TIMER_BATCH")
    failed: list[tuple[ProcessInstance, SpiffWorkflowException | EngineError]] = []
    with transaction.atomic():
        due = list(ProcessInstance.objects.select_for_update(skip_locked=True)
                   .filter(status=InstanceStatus.RUNNING, next_timer_at__lte=now)
                   .order_by("next_timer_at")[:limit])
        plans = []
        for instance in due:
            metrics.TIMER_LATENESS_SECONDS.observe(max((now - instance.next_timer_at).total_seconds(), 0))
            try:  # nothing is written until steps.write, so a failure needs no savepoint
                step = steps.Step.load(instance, actor=None, now=now)
                step.run()
                plans.append(step.plan())
            except (SpiffWorkflowException, EngineError) as err:
                failed.append((instance, err))
        steps.write(plans)
        for instance, error in failed:
            _incident(instance, error, now)
    return len(due)


def _incident(instance: ProcessInstance, err: SpiffWorkflowException | EngineError, now) -> None:
    """Record why a timer step failed, and stop sweeping the instance until it is repaired."""
    error = script_error(err) if isinstance(err, SpiffWorkflowException) else err
    message = str(getattr(error, "message", error))
    fresh = ProcessInstance.objects.get(pk=instance.pk)  # the batch write did not include it
    Incident.objects.create(instance=fresh, kind=Incident.Kind.TIMER, element=error.details.get("element", ""),
                            message=message[:4000])
    audit.append(fresh, [audit.Entry("incident_raised", element=error.details.get("element", ""),
                                     after={"kind": "timer", "error": message[:500]})], at=now)
    ProcessInstance.objects.filter(pk=fresh.pk).update(next_timer_at=None)
    logger.warning("timer step of %s failed: %s", fresh.pk, message)


def fire_all_due(*, now=None, max_batches: int = 1000) -> int:
    """Keep firing batches until nothing is due (for the beat task and the benchmark); returns the
    number of instances taken."""
    total = 0
    for _ in range(max_batches):
        fired = fire_due(now=now)
        total += fired
        if fired == 0:
            break
    return total

