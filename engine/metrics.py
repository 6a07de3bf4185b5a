"""The engine's own Prometheus series, recorded where the work happens (prometheus-client objects
only: the engine imports no app). What is counted from the database at scrape time (queue depth,
open incidents, overdue timers) is read by ``operations.metrics`` instead; with
``PROMETHEUS_MULTIPROC_DIR`` set, the web server's ``/metrics`` also shows what the workers recorded.
"""

from prometheus_client import Counter, Histogram

#: Seconds SpiffWorkflow spent moving one instance to its next wait state (the step's engine part,
#: without the database writes), by process key.
STEP_SECONDS = Histogram(
    "quytrinh_step_duration_seconds", "Time to run an instance to its next wait state.", ["process"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))

#: How late each timer fired: the sweep's time minus the time the instance's timer fell due.
TIMER_LATENESS_SECONDS = Histogram(
    "quytrinh_timer_lateness_seconds", "Delay between a timer falling due and the sweep firing it.",
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600))

#: Background jobs run by the workers, by what happened ("completed", "failed", "conflict", …).
JOB_RUNS = Counter("quytrinh_job_runs", "Background job deliveries by outcome.", ["outcome"])
