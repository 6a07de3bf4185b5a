#!/usr/bin/env python
"""Human-task throughput benchmark for django-viewflow 2.4.0 (peer baseline).

    python bench/viewflow_peer/bench.py --db sqlite
    python bench/viewflow_peer/bench.py --db postgres

Progress goes to stderr; the result is one JSON line on stdout.

What is measured (all without HTTP, using viewflow's own activation API):

  start      FlowClass.start.run()  (StartHandle: creates process + start task, takes
             the per-process lock, completes start, creates and auto-assigns task A)
  complete   "complete the open human task of process P", i.e. the same steps as
             viewflow's task view on POST (flow/utils.py:wrap_view +
             UpdateProcessView.form_valid), minus HTTP/form:
                 pk = Task.objects.filter(process=P, status=ASSIGNED) -> pk   (worklist lookup)
                 with flow_class.lock(P), transaction.atomic():
                     task = Task.objects.get(pk=pk)
                     act = task.flow_task.activation_class(task)
                     assert task.flow_task.can_execute(user, task)
                     act.start(None)                 # ASSIGNED -> STARTED
                     act.process.data[k] = v; act.process.save()   # the "form save"
                     act.execute()                   # complete + activate_next (next task, If, End)
  loop       LoopFlow: review (human) -> If(i < n) -> review; latency of the next
             completion after 10 / 100 / 1000 iterations (also split into the lookup
             and the viewflow completion proper).

Sizes (defaults): (a) 1,000 starts; (b) 400 processes x 3 tasks, and on postgres
2 OS processes x 400 x 3 in parallel; (c) 3 loop processes x 1,005 iterations.
Every run starts from an empty database (SQLite file deleted / bench_viewflow re-created).
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
VENV = os.path.join(HERE, "venv")

# Re-exec inside the benchmark's own virtualenv, so `python bench.py` works from any python.
if os.path.realpath(sys.prefix) != os.path.realpath(VENV) and os.path.exists(
    os.path.join(VENV, "bin", "python")
):
    py = os.path.join(VENV, "bin", "python")
    os.execv(py, [py, os.path.abspath(__file__)] + sys.argv[1:])

sys.path.insert(0, HERE)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    p.add_argument("--lock", choices=["select_for_update", "cache", "none"], default="select_for_update",
                   help="Flow.lock_impl (default: SelectForUpdateLock(nowait=True), viewflow's recommended lock; "
                        "a no-op FOR UPDATE on SQLite)")
    p.add_argument("--starts", type=int, default=None, help="processes to start for (a)")
    p.add_argument("--procs", type=int, default=None, help="approval processes whose 3 tasks are completed for (b)")
    p.add_argument("--par-procs", type=int, default=None, help="approval processes per worker for (b) 2-process run")
    p.add_argument("--loop", type=int, default=1000, help="largest loop checkpoint for (c)")
    p.add_argument("--window", type=int, default=5, help="completions timed after each loop checkpoint")
    p.add_argument("--loop-procs", type=int, default=3, help="looping processes run one after another for (c)")
    p.add_argument("--no-parallel", action="store_true", help="skip the 2-process run on postgres")
    p.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                   help="shared box: first wait up to SECONDS until host CPU is <15%% busy for 3 s (default: don't wait)")
    a = p.parse_args()
    dflt = {"sqlite": (1000, 400, 0), "postgres": (1000, 400, 400)}[a.db]
    a.starts = a.starts or dflt[0]
    a.procs = a.procs or dflt[1]
    a.par_procs = a.par_procs or dflt[2]
    return a


# --------------------------------------------------------------------------- postgres peer auth
def _pg_settings():
    return dict(
        user=os.environ.get("BENCH_PG_USER", "postgres"),
        host=os.environ.get("BENCH_PG_HOST", "/var/run/postgresql"),
        port=os.environ.get("BENCH_PG_PORT", "5432"),
        name=os.environ.get("BENCH_PG_NAME", "bench_viewflow"),
        password=os.environ.get("BENCH_PG_PASSWORD", ""),
    )


def _as_pg_os_user(fn):
    """pg_hba.conf here has `local all postgres peer`: the OS user must be `postgres`.
    When we run as root, connect() with the effective uid of `postgres` (peer auth reads
    the socket peer's euid), then switch back. No role/password/pg_hba changes needed."""
    s = _pg_settings()
    if os.geteuid() != 0 or not s["host"].startswith("/") or s["password"]:
        return fn()
    import pwd

    uid = pwd.getpwnam(s["user"]).pw_uid
    os.seteuid(uid)
    try:
        return fn()
    finally:
        os.seteuid(0)


def recreate_pg_database():
    import psycopg

    s = _pg_settings()
    conn = _as_pg_os_user(lambda: psycopg.connect(
        host=s["host"], port=s["port"], user=s["user"], password=s["password"] or None,
        dbname="postgres", autocommit=True))
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{s["name"]}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{s["name"]}"')
        info = {
            "server_version": conn.execute("show server_version").fetchone()[0],
            "fsync": conn.execute("show fsync").fetchone()[0],
            "synchronous_commit": conn.execute("show synchronous_commit").fetchone()[0],
            "shared_buffers": conn.execute("show shared_buffers").fetchone()[0],
        }
    return info


def patch_django_pg_connect():
    from django.db.backends.postgresql.base import DatabaseWrapper

    orig = DatabaseWrapper.get_new_connection

    def get_new_connection(self, conn_params):
        return _as_pg_os_user(lambda: orig(self, conn_params))

    DatabaseWrapper.get_new_connection = get_new_connection


# --------------------------------------------------------------------------- workload
def setup_django(args):
    os.environ["BENCH_DB"] = args.db
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchproj.settings"
    db_info = {}
    if args.db == "sqlite":
        path = os.environ.get("BENCH_SQLITE_PATH", os.path.join(HERE, "bench.sqlite3"))
        for suffix in ("", "-journal", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
    else:
        db_info = recreate_pg_database()
        patch_django_pg_connect()

    import django

    django.setup()
    from django.core.management import call_command

    t = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    log(f"migrated in {time.perf_counter() - t:.1f}s")

    from django.db import connection

    if args.db == "sqlite":
        import sqlite3

        with connection.cursor() as c:
            c.execute("PRAGMA journal_mode")
            jm = c.fetchone()[0]
            c.execute("PRAGMA synchronous")
            sync = c.fetchone()[0]
        db_info = {"sqlite_version": sqlite3.sqlite_version, "journal_mode": jm, "synchronous": sync,
                   "path": connection.settings_dict["NAME"]}
    return db_info


def configure_flows(args):
    from django.contrib.auth import get_user_model
    from viewflow.workflow import lock
    from bench_app import flows

    impl = {"select_for_update": lock.select_for_update_lock,
            "cache": lock.cache_lock, "none": lock.no_lock}[args.lock]
    flows.ApprovalFlow.lock_impl = impl
    flows.LoopFlow.lock_impl = impl
    user, _ = get_user_model().objects.get_or_create(username="approver")
    flows.ASSIGNEE["user"] = user
    return user


class Ops:
    """Thin wrappers around viewflow's programmatic API."""

    def __init__(self, user):
        from django.db import transaction
        from viewflow.workflow.models import Task
        from viewflow.workflow.status import STATUS
        from bench_app.flows import ApprovalFlow, LoopFlow

        self.user, self.transaction, self.Task, self.STATUS = user, transaction, Task, STATUS
        self.ApprovalFlow, self.LoopFlow = ApprovalFlow, LoopFlow

    def start_approval(self):
        return self.ApprovalFlow.start.run().pk

    def start_loop(self, n):
        return self.LoopFlow.start.run(_process_data={"i": 0, "n": n}).pk

    def open_task_pk(self, process_pk):
        return (self.Task.objects.filter(process_id=process_pk, status=self.STATUS.ASSIGNED)
                .values_list("pk", flat=True).get())

    def complete(self, flow_class, process_pk, task_pk, mutate):
        # == viewflow.workflow.flow.utils.wrap_view (POST) + UpdateProcessView.form_valid
        with flow_class.lock(process_pk), self.transaction.atomic():
            task = self.Task.objects.get(pk=task_pk)
            flow_task = task.flow_task
            if task.process.flow_class != flow_class:
                raise RuntimeError("task from another flow")
            activation = flow_task.activation_class(task)
            if not flow_task.can_execute(self.user, task):
                raise RuntimeError("user can't execute task")
            activation.start(None)  # ASSIGNED -> STARTED (request arg unused)
            mutate(activation.process, task)
            activation.process.save()
            activation.execute()  # -> DONE, create/activate next node(s)

    def complete_next_approval(self, process_pk):
        tpk = self.open_task_pk(process_pk)

        def mutate(process, task):
            process.data[task.flow_task.name] = "approved"

        self.complete(self.ApprovalFlow, process_pk, tpk, mutate)

    def complete_next_loop(self, process_pk):
        tpk = self.open_task_pk(process_pk)

        def mutate(process, task):
            process.data["i"] = process.data.get("i", 0) + 1

        self.complete(self.LoopFlow, process_pk, tpk, mutate)


def pct(xs, p):
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1)))))
    return xs[k]


def ms(x):
    return round(x * 1000.0, 3)


# --------------------------------------------------------------------------- diagnostics
class LockSleepCounter:
    """Replaces `time` inside viewflow.workflow.lock to count lock-retry back-offs
    (SelectForUpdateLock(nowait=True) / CacheLock sleep and retry when the lock is taken)."""

    def __init__(self):
        self.n = 0

    def sleep(self, s):
        self.n += 1
        time.sleep(s)

    def __getattr__(self, name):
        return getattr(time, name)


def install_lock_counter():
    import viewflow.workflow.lock as vlock

    if not isinstance(vlock.time, LockSleepCounter):
        vlock.time = LockSleepCounter()
    return vlock.time


def host_cpu_ticks():
    """(busy, total) jiffies over all CPUs, from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        idle = v[3] + (v[4] if len(v) > 4 else 0)
        return sum(v) - idle, sum(v)
    except OSError:
        return None


def pg_backend_cpu_s():
    """CPU seconds used so far by this connection's PostgreSQL backend (local server only)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    try:
        with connection.cursor() as c:
            c.execute("select pg_backend_pid()")
            pid = c.fetchone()[0]
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except Exception:
        return None


def host_busy_pct(h0, h1):
    if h0 and h1 and h1[1] > h0[1]:
        return round(100.0 * (h1[0] - h0[0]) / (h1[1] - h0[1]), 1)
    return None


def host_busy_now(seconds=1.0):
    h0 = host_cpu_ticks()
    time.sleep(seconds)
    return host_busy_pct(h0, host_cpu_ticks())


class CpuMeter:
    """Own CPU (this process + its PG backend) vs whole-host CPU over a timed phase.
    other_cpu_pct = host busy - own: CPU used by anything else (other jobs on the box,
    PG background writers); if it is large the figures are contaminated."""

    def __enter__(self):
        self.w0 = time.perf_counter()
        self.c0, self.s0, self.h0 = time.process_time(), pg_backend_cpu_s(), host_cpu_ticks()
        return self

    def __exit__(self, *exc):
        self.c1, self.s1, self.h1 = time.process_time(), pg_backend_cpu_s(), host_cpu_ticks()
        self.w1 = time.perf_counter()

    def report(self, n):
        own = self.c1 - self.c0
        out = {"client_cpu_ms_per_op": round(own * 1000 / n, 3)}
        if self.s0 is not None and self.s1 is not None:
            out["pg_backend_cpu_ms_per_op"] = round((self.s1 - self.s0) * 1000 / n, 3)
            own += self.s1 - self.s0
        busy = host_busy_pct(self.h0, self.h1)
        if busy is not None:
            own_pct = 100.0 * own / (self.w1 - self.w0) / (os.cpu_count() or 1)
            out["host_cpu_busy_pct"] = busy
            out["other_cpu_pct"] = round(max(0.0, busy - own_pct), 1)
        return out


def bench_starts(ops, n):
    lat = []
    with CpuMeter() as cpu:
        t0 = time.perf_counter()
        for _ in range(n):
            t = time.perf_counter()
            ops.start_approval()
            lat.append(time.perf_counter() - t)
        el = time.perf_counter() - t0
    return {"n": n, "seconds": round(el, 3), "per_s": round(n / el, 1),
            "p50_ms": ms(pct(lat, 50)), "p95_ms": ms(pct(lat, 95)), **cpu.report(n)}


def run_completions(ops, pids):
    """Complete A, then B, then C across all processes (worklist order). Returns latencies."""
    lat = []
    for _stage in range(3):
        for pid in pids:
            t = time.perf_counter()
            ops.complete_next_approval(pid)
            lat.append(time.perf_counter() - t)
    return lat


def bench_completions(ops, m):
    pids = [ops.start_approval() for _ in range(m)]  # untimed setup
    with CpuMeter() as cpu:
        t0 = time.perf_counter()
        lat = run_completions(ops, pids)
        el = time.perf_counter() - t0
    done = ops.Task.objects.filter(process_id__in=pids, flow_task_type="HUMAN", status="DONE").count()
    finished = ops.ApprovalFlow.process_class.objects.filter(pk__in=pids, status="DONE").count()
    assert done == 3 * m and finished == m, (done, finished)
    return {"n": len(lat), "seconds": round(el, 3), "per_s": round(len(lat) / el, 1),
            "p50_ms": ms(pct(lat, 50)), "p95_ms": ms(pct(lat, 95)), "processes_finished": finished,
            **cpu.report(len(lat))}


def _par_worker(m, barrier, q):
    from django.db import connections

    connections.close_all()  # fresh connection in the child
    from bench_app import flows

    ops = Ops(flows.ASSIGNEE["user"])
    counter = install_lock_counter()
    pids = [ops.start_approval() for _ in range(m)]
    retries0 = counter.n
    barrier.wait()
    c0, s0 = time.process_time(), pg_backend_cpu_s()
    h0 = host_cpu_ticks()
    t0 = time.monotonic()
    lat = run_completions(ops, pids)
    t1 = time.monotonic()
    h1 = host_cpu_ticks()
    c1, s1 = time.process_time(), pg_backend_cpu_s()
    q.put({"n": len(lat), "t0": t0, "t1": t1, "h0": h0, "h1": h1, "p50": pct(lat, 50), "p95": pct(lat, 95),
           "client_cpu_ms": (c1 - c0) * 1000 / len(lat),
           "pg_cpu_ms": None if s0 is None or s1 is None else (s1 - s0) * 1000 / len(lat),
           "lock_retries": counter.n - retries0})
    connections.close_all()


def bench_completions_parallel(m, workers=2):
    import multiprocessing as mp
    from django.db import connections

    connections.close_all()
    ctx = mp.get_context("fork")
    barrier, q = ctx.Barrier(workers), ctx.Queue()
    ps = [ctx.Process(target=_par_worker, args=(m, barrier, q)) for _ in range(workers)]
    for p in ps:
        p.start()
    res = [q.get(timeout=300) for _ in ps]
    for p in ps:
        p.join()
        assert p.exitcode == 0, p.exitcode
    n = sum(r["n"] for r in res)
    el = max(r["t1"] for r in res) - min(r["t0"] for r in res)
    h0 = min(res, key=lambda r: r["t0"])["h0"]  # host CPU over the timed span only
    h1 = max(res, key=lambda r: r["t1"])["h1"]
    return {"workers": workers, "n": n, "seconds": round(el, 3), "per_s": round(n / el, 1),
            "per_worker_per_s": [round(r["n"] / (r["t1"] - r["t0"]), 1) for r in res],
            "p50_ms": [ms(r["p50"]) for r in res], "p95_ms": [ms(r["p95"]) for r in res],
            "client_cpu_ms_per_op": [round(r["client_cpu_ms"], 3) for r in res],
            "pg_backend_cpu_ms_per_op": [None if r["pg_cpu_ms"] is None else round(r["pg_cpu_ms"], 3) for r in res],
            "host_cpu_busy_pct": host_busy_pct(h0, h1),
            "other_cpu_pct": (None if host_busy_pct(h0, h1) is None or any(r["pg_cpu_ms"] is None for r in res) else
                              round(max(0.0, host_busy_pct(h0, h1) - 100.0 * sum(
                                  (r["client_cpu_ms"] + r["pg_cpu_ms"]) * r["n"] / 1000 for r in res)
                                  / el / (os.cpu_count() or 1)), 1)),
            "lock_retries": sum(r["lock_retries"] for r in res)}


def bench_loop(ops, top, window, procs, checkpoints=(10, 100, 1000)):
    """`procs` looping processes, one after another; every completion is timed, split into
    the worklist lookup (find the open task of the process) and the viewflow completion.
    lat[k] is the (k+1)-th completion, i.e. "the next task after k iterations"."""
    checkpoints = [c for c in checkpoints if c <= top]
    n_total = top + window

    def mutate(process, task):
        process.data["i"] = process.data.get("i", 0) + 1

    lats, looks, comps, pids, el = [], [], [], [], 0.0
    with CpuMeter() as cpu:
        for _ in range(procs):
            pid = ops.start_loop(n_total + 100)  # never reaches End while measured (incl. the query-count sample)
            lat, look, comp = [], [], []
            t0 = time.perf_counter()
            for _ in range(n_total):
                t = time.perf_counter()
                tpk = ops.open_task_pk(pid)
                t1 = time.perf_counter()
                ops.complete(ops.LoopFlow, pid, tpk, mutate)
                t2 = time.perf_counter()
                lat.append(t2 - t)
                look.append(t1 - t)
                comp.append(t2 - t1)
            el += time.perf_counter() - t0
            lats.append(lat)
            looks.append(look)
            comps.append(comp)
            pids.append(pid)

    def med(series, a, b):
        return ms(statistics.median([x for one in series for x in one[a:b]]))

    flat = [x for lat in lats for x in lat]
    out = {"loop_processes": procs, "iterations_each": n_total, "seconds": round(el, 3),
           "overall_per_s": round(procs * n_total / el, 1), "p50_ms": ms(pct(flat, 50)),
           "p95_ms": ms(pct(flat, 95)), **cpu.report(len(flat))}
    for k in checkpoints:
        out[f"after_{k}"] = {
            "next_ms_median": ms(statistics.median([lat[k] for lat in lats])),
            "next_ms_each": [ms(lat[k]) for lat in lats],
            f"median_of_next_{window}_ms": med(lats, k, k + window),
            f"lookup_median_of_next_{window}_ms": med(looks, k, k + window),
            f"complete_only_median_of_next_{window}_ms": med(comps, k, k + window),
        }
    out["first_10_median_ms"] = med(lats, 0, 10)
    # growth check over all loop processes: iterations 1-100 vs 901-1000
    if top >= 1000:
        out["p50_iter_1_100_ms"] = med(lats, 0, 100)
        out["p50_iter_901_1000_ms"] = med(lats, 900, 1000)
        out["lookup_p50_iter_1_100_ms"] = med(looks, 0, 100)
        out["lookup_p50_iter_901_1000_ms"] = med(looks, 900, 1000)
        out["complete_only_p50_iter_1_100_ms"] = med(comps, 0, 100)
        out["complete_only_p50_iter_901_1000_ms"] = med(comps, 900, 1000)
    out["task_rows_per_process"] = ops.Task.objects.filter(process_id=pids[-1]).count()
    return out, pids[-1]


def count_queries(fn):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as c:
        fn()
    return len(c.captured_queries)


def main():
    args = parse_args()
    if args.wait_quiet:
        deadline = time.time() + args.wait_quiet
        while time.time() < deadline and host_busy_now(3.0) >= 15:
            pass
    wall0 = time.perf_counter()
    busy_before = host_busy_now(1.0)
    log(f"host CPU busy before start: {busy_before}% (loadavg {os.getloadavg()[0]:.2f})")
    db_info = setup_django(args)
    user = configure_flows(args)
    ops = Ops(user)
    lock_counter = install_lock_counter()

    # warm-up (untimed): imports, ORM/query caches, DB page cache
    for _ in range(20):
        pid = ops.start_approval()
        for _ in range(3):
            ops.complete_next_approval(pid)
    wp = ops.start_loop(50)
    for _ in range(20):
        ops.complete_next_loop(wp)

    # statement counts (one sample each, outside the timed loops)
    sample = {}
    sample["start"] = count_queries(lambda: sample.__setitem__("pid", ops.start_approval()))
    sample["complete_A"] = count_queries(lambda: ops.complete_next_approval(sample["pid"]))
    sample["complete_B"] = count_queries(lambda: ops.complete_next_approval(sample["pid"]))
    sample["complete_C_to_End"] = count_queries(lambda: ops.complete_next_approval(sample["pid"]))
    sample["loop_complete"] = count_queries(lambda: ops.complete_next_loop(wp))
    sample.pop("pid")

    res = {}
    log(f"(a) starting {args.starts} processes ...")
    res["a_starts"] = bench_starts(ops, args.starts)
    log(f"    {res['a_starts']}")

    log(f"(b) completing 3 x {args.procs} human tasks, 1 thread ...")
    res["b_completions_1thread"] = bench_completions(ops, args.procs)
    log(f"    {res['b_completions_1thread']}")

    if args.db == "postgres" and not args.no_parallel:
        log(f"(b) completing 3 x {args.par_procs} human tasks in each of 2 processes ...")
        res["b_completions_2proc"] = bench_completions_parallel(args.par_procs, 2)
        log(f"    {res['b_completions_2proc']}")

    log(f"(c) {args.loop_procs} looping processes x {args.loop + args.window} iterations ...")
    res["c_loop"], loop_pid = bench_loop(ops, args.loop, args.window, args.loop_procs)
    log(f"    {res['c_loop']}")
    sample["loop_complete_after_1000"] = count_queries(lambda: ops.complete_next_loop(loop_pid))

    import django
    import importlib.metadata as md

    out = {
        "bench": "django-viewflow human tasks",
        "db": args.db,
        "lock": {"select_for_update": "SelectForUpdateLock(nowait=True)", "cache": "CacheLock(LocMemCache)",
                 "none": "NoLock"}[args.lock],
        "results": res,
        "sql_statements": sample,
        "lock_retries_1thread": lock_counter.n,
        "versions": {"python": platform.python_version(), "django": django.get_version(),
                     "viewflow": md.version("django-viewflow"), "psycopg": md.version("psycopg"),
                     **({"postgres": db_info.get("server_version")} if args.db == "postgres" else
                        {"sqlite": db_info.get("sqlite_version")})},
        "db_config": {k: v for k, v in db_info.items() if k not in ("server_version", "sqlite_version")},
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "host_cpu_busy_pct_before_run": busy_before},
        "total_runtime_s": round(time.perf_counter() - wall0, 1),
    }
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
