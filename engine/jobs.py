"""Background service tasks: run slow or external handlers outside the step, exactly once in effect.

The ``Job`` row is the source of truth; Celery only carries wake-ups. Running a job:

1. claim it: a conditional UPDATE sets ``running`` with a lease, only if it is pending and due, or
   running with an expired lease (its worker died) — two deliveries cannot both claim it;
2. call the handler outside any transaction, with the job's idempotency key;
3. complete the step under the instance lock, only if the service task is still STARTED (a second
   run of the same job finds it completed and does nothing), and mark the job done in the same
   transaction.

A failure schedules a retry with exponential backoff; when the attempts run out the job becomes
an incident that an administrator can retry. ``sweep`` re-queues what a lost message or a killed
worker left behind.
"""

import logging
import os
import socket
import traceback
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from SpiffWorkflow.util.task import TaskState

from . import audit, conf, handlers, steps
from .exceptions import Conflict, EngineError
from .failures import recording_failures
from .models import Incident, InstanceStatus, Job, JobStatus
from .queueing import enqueue

logger = logging.getLogger(__name__)
WORKER = f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class JobContext:
    """What a background handler gets: pass ``idempotency_key`` to any external service it calls."""

    job_id: str
    idempotency_key: str
    attempt: int
    instance_id: str


def claim(job_id) -> Job | None:
    """Take the job for this worker, or None if it is not ours to run (done, leased, not due)."""
    now = timezone.now()
    lease = timedelta(seconds=conf.get("JOB_LEASE_SECONDS"))
    claimable = Q(status=JobStatus.PENDING, run_after__lte=now) | Q(status=JobStatus.RUNNING, locked_until__lt=now)
    taken = (Job.objects.filter(claimable, pk=job_id)
             .exclude(instance__status=InstanceStatus.SUSPENDED)
             .update(status=JobStatus.RUNNING, locked_until=now + lease, locked_by=WORKER,
                     attempts=F("attempts") + 1))
    return Job.objects.get(pk=job_id) if taken else None


def run(job_id) -> str:
    """Claim, run the handler, complete the step; returns what happened (for logs and tests)."""
    job = claim(job_id)
    if job is None:
        return "not claimed"
    handler = handlers.get(job.handler)
    try:
        if handler is None:
            raise EngineError(_("No service-task handler named '%(handler)s' is registered.")
                              % {"handler": job.handler})
        context = JobContext(str(job.pk), job.idempotency_key, job.attempts, str(job.instance_id))
        result = handler.func(params=job.params, data=job.data, context=context)
    except Exception as err:  # noqa: BLE001 - any handler failure is retried, then an incident
        _failed(job, err)
        return "failed"
    try:
        return _complete(job, result)
    except Conflict:  # lost a race for the instance: not the job's fault, try again at once
        Job.objects.filter(pk=job.pk).update(status=JobStatus.PENDING, attempts=F("attempts") - 1,
                                             locked_until=None, run_after=timezone.now())
        enqueue(job.pk)
        return "conflict"
    except EngineError as err:  # e.g. a script after the service task failed: retry, then incident
        _failed(job, err)
        return "failed"


def _complete(job: Job, result) -> str:
    with recording_failures(job.instance_id, None), transaction.atomic():
        step = steps.locked(job.instance_id, actor=None, now=timezone.now(), running=False)
        fresh = Job.objects.select_for_update().get(pk=job.pk)
        if fresh.status == JobStatus.DONE:
            return "already done"
        spiff_task = _started_task(step.workflow, job.task_id)
        if spiff_task is None or step.instance.status not in (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED):
            _finish(job, status=JobStatus.DONE, error="")
            return "task gone"
        request = spiff_task.internal_data.pop("job", {})
        spiff_task.data[request.get("result") or f"{job.element}_result"] = result
        spiff_task.complete()
        step.entries.append(audit.Entry("job_completed", task_id=job.task_id, element=job.element,
                                        after={"handler": job.handler, "attempt": job.attempts}))
        step.run()
        steps.write([step.plan()])
        _finish(job, status=JobStatus.DONE, error="")
    return "completed"


def _started_task(workflow, task_id):
    for container in (workflow, *workflow.subprocesses.values()):
        task = container.tasks.get(task_id)
        if task is not None:
            return task if task.state == TaskState.STARTED else None
    return None


def _finish(job: Job, *, status: str, error: str) -> None:
    Job.objects.filter(pk=job.pk).update(status=status, last_error=error[:4000], locked_until=None,
                                         finished_at=timezone.now() if status == JobStatus.DONE else None)


def _failed(job: Job, err: Exception) -> None:
    error = "".join(traceback.format_exception_only(type(err), err)).strip()
    if job.attempts < job.max_attempts:
        delay = conf.get("JOB_RETRY_DELAY") * 2 ** (job.attempts - 1)
        Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.PENDING, run_after=timezone.now() + timedelta(seconds=delay), locked_until=None,
            last_error=error[:4000])
        transaction.on_commit(lambda: enqueue(job.pk, countdown=delay))
        return
    with transaction.atomic():
        instance = steps.lock(job.instance_id)
        Job.objects.filter(pk=job.pk).update(status=JobStatus.INCIDENT, locked_until=None, last_error=error[:4000])
        Incident.objects.create(instance=instance, kind=Incident.Kind.JOB, job=job, element=job.element,
                                message=error[:4000])
        audit.append(instance, [audit.Entry("incident_raised", element=job.element, after={
            "handler": job.handler, "attempts": job.attempts, "error": error[:500]})])


def sweep(limit: int = 500) -> int:
    """Re-queue jobs that are due but may have no message in flight: pending and overdue by a
    margin, or running with an expired lease (a killed worker). Safe to run anywhere, any time."""
    now = timezone.now()
    margin = timedelta(seconds=max(conf.get("JOB_RETRY_DELAY"), 5))
    due = (Job.objects.filter(Q(status=JobStatus.PENDING, run_after__lte=now - margin)
                              | Q(status=JobStatus.RUNNING, locked_until__lt=now))
           .values_list("pk", flat=True)[:limit])
    count = 0
    for job_id in due:
        enqueue(job_id)
        count += 1
    return count
