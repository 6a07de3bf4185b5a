"""Celery entry points: thin, idempotent wrappers; the database holds the truth. The engine sends
``engine.run_job`` by name (``engine.queueing``), so nothing below imports this module."""

from celery import shared_task

from . import jobs, metrics, timers


@shared_task(name="engine.run_job", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_job(job_id: str) -> str:
    outcome = jobs.run(job_id)
    metrics.JOB_RUNS.labels(outcome).inc()
    return outcome


@shared_task(name="engine.fire_timers", ignore_result=True)
def fire_timers() -> int:
    return timers.fire_all_due()


@shared_task(name="engine.sweep_jobs", ignore_result=True)
def sweep_jobs() -> int:
    return jobs.sweep()
