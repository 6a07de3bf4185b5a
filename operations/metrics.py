"""``/metrics``: what Prometheus scrapes.

Two kinds of series:

- recorded where the work happens, per process: requests by view and status (django-prometheus),
  step duration, timer lateness, job runs (``engine.metrics``). With ``PROMETHEUS_MULTIPROC_DIR``
  set (the deployment's environment file does), every gunicorn worker, Celery worker and beat
  process of one server writes there and the web server's ``/metrics`` adds them up;
- read from the database at scrape time, the same from every server: job queue depth and age,
  overdue timers and the timer lag, open incidents, signing failures, the exchange outbox's
  backlog. The database is the source of truth for these; a process's memory is not (alert on
  ``max`` over servers, not ``sum``).
"""

import os

from django.apps import apps
from django.db.models import Count, Min, Q
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from engine.models import Incident, InstanceStatus, Job, JobStatus, ProcessInstance
from signing.models import RequestStatus, SignatureRequest

#: Job states that are work not yet done (done rows only grow; they are not counted).
OPEN_JOB_STATES = (JobStatus.PENDING, JobStatus.RUNNING, JobStatus.INCIDENT)


class DatabaseCollector(Collector):
    """Series counted from the database when scraped (a handful of indexed queries)."""

    def collect(self):
        now = timezone.now()
        yield from self._jobs(now)
        yield from self._timers(now)
        yield from self._incidents()
        yield from self._signing()
        yield from self._outbox(now)

    def _jobs(self, now):
        depth = GaugeMetricFamily("quytrinh_jobs", "Background jobs not done, by state.", labels=["state"])
        counted = dict(Job.objects.filter(status__in=OPEN_JOB_STATES).values_list("status")
                       .annotate(n=Count("pk")).values_list("status", "n"))
        for state in OPEN_JOB_STATES:
            depth.add_metric([state], counted.get(state, 0))
        yield depth
        oldest = Job.objects.filter(status=JobStatus.PENDING, run_after__lte=now).aggregate(at=Min("run_after"))["at"]
        yield GaugeMetricFamily("quytrinh_job_queue_age_seconds",
                                "How long the oldest due job has waited for a worker (0: none waits).",
                                value=_age(now, oldest))

    def _timers(self, now):
        due = ProcessInstance.objects.filter(status=InstanceStatus.RUNNING, next_timer_at__lte=now)
        found = due.aggregate(n=Count("pk"), oldest=Min("next_timer_at"))
        yield GaugeMetricFamily("quytrinh_timers_overdue", "Instances whose timer is due and not yet fired.",
                                value=found["n"])
        yield GaugeMetricFamily("quytrinh_timer_lag_seconds",
                                "How long the oldest due timer has waited to fire (0: none waits).",
                                value=_age(now, found["oldest"]))

    def _incidents(self):
        family = GaugeMetricFamily("quytrinh_incidents_open", "Incidents waiting for an administrator, by kind.",
                                   labels=["kind"])
        counted = dict(Incident.objects.filter(resolved_at__isnull=True).values_list("kind")
                       .annotate(n=Count("pk")).values_list("kind", "n"))
        for kind in Incident.Kind.values:
            family.add_metric([kind], counted.get(kind, 0))
        yield family

    def _signing(self):
        yield GaugeMetricFamily("quytrinh_signing_requests_failed", "Two-step signing requests that failed.",
                                value=SignatureRequest.objects.filter(status=RequestStatus.FAILED).count())
        failing = Job.objects.filter(handler__startswith="signing.").filter(
            Q(status=JobStatus.INCIDENT) | Q(status__in=(JobStatus.PENDING, JobStatus.RUNNING), attempts__gt=0,
                                              last_error__gt=""))
        yield GaugeMetricFamily("quytrinh_signing_jobs_failing",
                                "Signing jobs whose last attempt failed (retrying, or an incident).",
                                value=failing.count())

    def _outbox(self, now):
        """The exchange's outbox, when the exchange app has one (a model named ``…Outbox…`` with a
        ``state`` or ``status`` field); nothing otherwise."""
        model = _outbox_model()
        if model is None:
            return
        field = "state" if any(f.name == "state" for f in model._meta.fields) else "status"
        family = GaugeMetricFamily("quytrinh_outbox_packets", "Exchange packets not yet delivered, by state.",
                                   labels=["state"])
        pending = model.objects.filter(**{f"{field}__in": ("pending", "failed")})
        counted = dict(pending.values_list(field).annotate(n=Count("pk")).values_list(field, "n"))
        for state in ("pending", "failed"):
            family.add_metric([state], counted.get(state, 0))
        yield family
        if any(f.name == "created_at" for f in model._meta.fields):
            oldest = model.objects.filter(**{field: "pending"}).aggregate(at=Min("created_at"))["at"]
            yield GaugeMetricFamily("quytrinh_outbox_oldest_pending_seconds",
                                    "Age of the oldest exchange packet waiting to be delivered.",
                                    value=_age(now, oldest))


def _outbox_model():
    if not apps.is_installed("exchange"):
        return None
    for model in apps.get_app_config("exchange").get_models():
        fields = {f.name for f in model._meta.fields}
        if "outbox" in model.__name__.lower() and fields & {"state", "status"}:
            return model
    return None


def _age(now, moment) -> float:
    return max((now - moment).total_seconds(), 0.0) if moment is not None else 0.0


def exposition() -> bytes:
    """The text Prometheus reads: this server's processes, then the database's series."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector())
    return generate_latest(processes) + generate_latest(database)
