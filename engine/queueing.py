"""Queueing background service tasks: the job rows a step writes, and the wake-up sent after it
commits. The ``Job`` row is the source of truth (``engine.jobs`` runs it); the broker only carries
the wake-up, by task name, so losing one only delays the job until the sweep."""

import logging
from datetime import datetime

from celery import current_app
from SpiffWorkflow.util.task import TaskState

from . import audit, conf, state
from .models import Job, ProcessInstance

logger = logging.getLogger(__name__)
RUN_JOB = "engine.run_job"  # engine.tasks.run_job


def new_job(instance: ProcessInstance, spiff_task, request: dict, now: datetime) -> Job:
    return Job(
        instance=instance, task_id=spiff_task.id, element=spiff_task.task_spec.bpmn_id or spiff_task.task_spec.name,
        handler=request["handler"], params=request.get("params") or {}, data=dict(spiff_task.data),
        idempotency_key=f"{instance.pk}:{spiff_task.id}", max_attempts=conf.get("JOB_MAX_ATTEMPTS"),
        run_after=now,
    )


def jobs_of_step(step, *, after_commit: list) -> list[Job]:
    """Rows for the background service tasks a step (``engine.steps.Step``) started: SpiffWorkflow
    leaves them STARTED with the request in their internal data, which is marked queued (so call
    this before the state is dumped); their wake-ups go into ``after_commit``."""
    found = []
    for spiff_task in state.all_tasks(step.workflow):
        request = spiff_task.internal_data.get("job")
        if spiff_task.state != TaskState.STARTED or not request or request.get("queued"):
            continue
        job = new_job(step.instance, spiff_task, request, step.now)
        request["queued"] = True
        found.append(job)
        step.entries.append(audit.Entry("job_queued", task_id=spiff_task.id, element=job.element,
                                        after={"handler": job.handler, "job": str(job.pk)}))
        after_commit.append(lambda job_id=job.pk: enqueue(job_id))
    return found


def enqueue(job_id, *, countdown: float | None = None) -> None:
    """Wake a worker for this job (after commit). Losing this message only delays the job."""
    try:
        current_app.send_task(RUN_JOB, args=[str(job_id)], countdown=countdown)
    except Exception:  # the broker is down: the sweep will find the job
        logger.warning("could not enqueue job %s; the sweep will pick it up", job_id, exc_info=True)
