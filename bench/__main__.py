"""Run every benchmark phase and report: ``python -m bench`` (``make bench``).

Figures are for this machine; each is printed next to the in-process baseline it is measured
against (the floor: SpiffWorkflow alone, in memory) or the target it must meet. PostgreSQL and
Redis figures are skipped, and say so, when no server is reachable on 127.0.0.1.
"""

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/{name}")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
HTTP_WORKERS = int(os.environ.get("BENCH_HTTP_WORKERS", os.environ.get("QUYTRINH_WEB_WORKERS", "2")))
HTTP_THREADS = int(os.environ.get("BENCH_HTTP_THREADS", os.environ.get("QUYTRINH_WEB_THREADS", "2")))


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def phase_command(name, options):
    return [sys.executable, "-m", "bench.phase", name, json.dumps(options)]


def run(name, env, **options) -> dict:
    done = subprocess.run(phase_command(name, options), env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"phase {name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_parallel(name, env, count, **options) -> list[dict]:
    processes = [subprocess.Popen(phase_command(name, options), env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(count)]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=600)
        if process.returncode != 0:
            raise RuntimeError(f"phase {name} failed:\n{err[-3000:]}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def base_env(var_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update(DJANGO_SETTINGS_MODULE="bench.settings", QUYTRINH_VAR_DIR=str(var_dir), PYTHONPATH=str(ROOT))
    return env


def postgres_version() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_URL.format(name="postgres"), connect_timeout=3) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]
    except Exception:  # noqa: BLE001 - unreachable: the PostgreSQL figures are skipped
        return None


def recreate_database(name: str) -> str:
    import psycopg

    with psycopg.connect(PG_URL.format(name="postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_URL.format(name=name)


def redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except Exception:  # noqa: BLE001
        return False


def machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return {"cores": os.cpu_count(), "cpu_model": model, "python": platform.python_version(),
            "platform": platform.platform(), "postgres": postgres_version()}


def complete_two_processes(env, instances, process="incoming_document") -> dict:
    barrier = tempfile.mkdtemp(prefix="bench-barrier-")
    try:
        parts = run_parallel("complete", env, 2, instances=instances, barrier=barrier, processes=2, process=process)
    finally:
        shutil.rmtree(barrier, ignore_errors=True)
    total = sum(p["completions"] for p in parts)
    seconds = max(p["end"] for p in parts) - min(p["start"] for p in parts)
    return {"per_s": total / seconds, "per_process_per_s": [p["per_s"] for p in parts],
            "p95_ms": max(p["p95_ms"] for p in parts)}


def timers_bulk(env, processes: int, instances: int) -> dict:
    created = run("timers_bulk", env, create=True, instances=instances, due_in=15)
    barrier = tempfile.mkdtemp(prefix="bench-barrier-")
    try:
        parts = run_parallel("timers_bulk", env, processes, due=created["due"], barrier=barrier, processes=processes)
    finally:
        shutil.rmtree(barrier, ignore_errors=True)
    seconds = max(p["end"] for p in parts) - min(p["start"] for p in parts)
    left = min(p["left_running"] for p in parts)
    assert left == 0, f"{left} timers were not fired"
    return {"instances": instances, "processes": processes, "seconds": seconds, "per_s": instances / seconds}


def worker_figures(env, var_dir: Path) -> dict:
    worker_log = var_dir / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--beat", "--loglevel=info", "--concurrency=2",
         "--schedule", str(var_dir / "beat-schedule"), "--without-gossip", "--without-mingle"],
        env=env, cwd=ROOT, stdout=worker_log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + 60
        while "ready" not in worker_log.read_text():
            if time.time() > deadline or worker.poll() is not None:
                raise RuntimeError("the Celery worker did not start:\n" + worker_log.read_text()[-2000:])
            time.sleep(0.2)
        return run("worker_figures", env)
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(timeout=30)


def http_figures(env, var_dir: Path, *, instances: int = 640, clients: int = 16) -> dict:
    """Completions over HTTP and the 1M-row worklist, behind gunicorn on PostgreSQL."""
    from . import http
    from .phase import STEPS

    env = dict(env, DATABASE_URL=recreate_database("quytrinh_bench_http"))
    run("prepare", env)
    setup = run("http_setup", env, instances=instances, clients=clients)
    with http.gunicorn(env, workers=HTTP_WORKERS, threads=HTTP_THREADS, log=var_dir / "gunicorn-complete.log") as base:
        completions = http.complete_over_http(base, setup, STEPS)
    env = dict(env, DATABASE_URL=recreate_database("quytrinh_bench_worklist"))
    run("prepare", env)
    data = run("worklist_setup", env, bodies=40, users=1000, instances=100_000, running=30_000)
    sample = run("worklist_tokens", env, users=1000, sample=100)
    with http.gunicorn(env, workers=HTTP_WORKERS, threads=HTTP_THREADS, log=var_dir / "gunicorn-worklist.log") as base:
        worklist = http.worklist_latency(base, sample["tokens"], rounds=5)
    return {"http_complete_per_s": completions["per_s"], "http_complete_p99_ms": completions["p99_ms"],
            "http_complete_p50_ms": completions["p50_ms"], "http_complete_detail": dict(
                completions, clients=clients, instances=instances, gunicorn_workers=HTTP_WORKERS,
                gunicorn_threads=HTTP_THREADS),
            "worklist_p95_ms_1m": worklist["p95_ms"], "worklist_detail": dict(
                worklist, **data, worklist_sizes=sample["worklist_sizes"], gunicorn_workers=HTTP_WORKERS,
                gunicorn_threads=HTTP_THREADS)}


def documents_figures(var_dir: Path, *, postgres: bool) -> dict:
    from . import documents

    return documents.figures(base_env(var_dir / "documents"), var_dir, run, recreate_database, postgres=postgres,
                             workers=HTTP_WORKERS, threads=HTTP_THREADS)


def pages_figures(var_dir: Path) -> dict:
    """The staff pages' server time and the worklist in Chromium (PostgreSQL only)."""
    from . import pages
    from .phase import BODY, STEPS

    return pages.figures(base_env(var_dir / "pages"), var_dir, run, recreate_database, steps=STEPS, body=BODY,
                         workers=HTTP_WORKERS, threads=HTTP_THREADS)


def backup_figures(var_dir: Path) -> dict:
    """``manage.py backup`` and ``restore`` of the demo data plus a year of documents (PostgreSQL only)."""
    from . import backup

    return backup.figures(base_env(var_dir / "backup"), var_dir, run, recreate_database)


def conversion_figures() -> dict:
    """A 3-page Word draft to PDF with LibreOffice headless (no database)."""
    from . import conversion

    return conversion.figures()


def outgoing_figures(var_dir: Path, *, postgres: bool) -> dict:
    """An outgoing document from draft to issued, on PostgreSQL (when it answers) and SQLite."""
    from . import outgoing

    return outgoing.figures(base_env(var_dir / "outgoing"), var_dir, run, recreate_database, postgres=postgres)


#: ``python -m bench NAME``: one group alone, on a fresh database, printed (bench/latest.json untouched:
#: it holds full runs, unless ``--record`` puts the group's keys into it). Documents 2–4 min, pages 2–6 min,
#: backup ≈ 3 min, outgoing ≈ 1 min on this box.
GROUPS = {"documents": lambda tmp, pg: documents_figures(tmp, postgres=pg),
          "pages": lambda tmp, pg: pages_figures(tmp), "backup": lambda tmp, pg: backup_figures(tmp),
          "conversion": lambda tmp, pg: conversion_figures(),
          "outgoing": lambda tmp, pg: outgoing_figures(tmp, postgres=pg)}
POSTGRES_ONLY = {"pages", "backup"}


def group_only(name: str, *, record: bool = False) -> None:
    started = time.time()
    pg = postgres_version() is not None
    if name in POSTGRES_ONLY and not pg:
        sys.exit(f"the {name} figures need PostgreSQL on 127.0.0.1:5432")
    with tempfile.TemporaryDirectory(prefix=f"quytrinh-bench-{name}-") as tmp:
        results = GROUPS[name](Path(tmp), pg)
    results.update(measured_at=datetime.now(UTC).isoformat(timespec="seconds"), load_average=os.getloadavg(),
                   bench_seconds=round(time.time() - started, 1))
    print()
    print_groups(results)
    print(json.dumps(results, indent=2, ensure_ascii=False))
    if record:
        record_keys(results, name)


def record_keys(results: dict, group: str) -> None:
    """``--record``: the group's keys into ``bench/latest.json``, read and written at once so that
    another group recorded meanwhile keeps its keys; the run's own bookkeeping (when, the load)
    goes under ``recorded_groups``, so that the file says which figures are newer than its
    ``measured_at``."""
    bookkeeping = ("measured_at", "load_average", "bench_seconds")
    kept = {k: v for k, v in results.items() if k not in bookkeeping}
    path = HERE / "latest.json"
    latest = json.loads(path.read_text()) if path.exists() else {}
    latest.update(kept)
    latest.setdefault("recorded_groups", {})[group] = {k: results[k] for k in bookkeeping if k in results}
    path.write_text(json.dumps(latest, indent=2, ensure_ascii=False) + "\n")
    log(f"recorded in {path}: {', '.join(kept)}")


def guarded(name: str, notes: list, measure) -> dict:
    """A late group's figures, or a note saying why there are none: the twenty minutes of figures
    measured before it are still written (a failing phase's own output is in the note)."""
    try:
        return measure()
    except Exception as err:  # noqa: BLE001 - reported in the table and the JSON, not swallowed
        log(f"the {name} figures failed: {err}")
        notes.append(f"the {name} figures failed: {str(err)[-1500:]}")
        return {}


def main() -> None:
    started = time.time()
    results: dict = {"machine": machine(), "measured_at": datetime.now(UTC).isoformat(timespec="seconds")}
    notes = []
    with tempfile.TemporaryDirectory(prefix="quytrinh-bench-") as tmp:
        tmp = Path(tmp)
        sqlite = base_env(tmp / "sqlite")
        log("SQLite: prepare, floor, complete, loop")
        run("prepare", sqlite)
        floor = run("floor", sqlite, instances=300)
        sqlite_complete = run("complete", sqlite, instances=300)
        sqlite_loop = run("loop", sqlite, rounds=1005)
        raw = run("raw_loop", sqlite, rounds=1005)
        results.update(
            floor_steps_per_s=floor["steps_per_s"], floor_ms_per_step=floor["ms_per_step"],
            complete_per_s_sqlite=sqlite_complete["per_s"], complete_p95_ms_sqlite=sqlite_complete["p95_ms"],
            complete_cpu_ms_sqlite=sqlite_complete["client_cpu_ms_per_op"],
            overhead_ratio=(1000 / sqlite_complete["per_s"]) / floor["ms_per_step"],
            loop_ms_10=sqlite_loop["after_ms"]["10"], loop_ms_100=sqlite_loop["after_ms"]["100"],
            loop_ms_1000=sqlite_loop["after_ms"]["1000"], loop_ratio_1000_10=sqlite_loop["ratio_1000_10"],
            loop_rounds_completed=sqlite_loop["rounds"], spiff_raw_loop=raw,
        )
        log("Signing: PAdES B-T, verification")
        signing = run("signing_figures", sqlite)
        results.update(sign_bt_per_s=signing["sign_bt_per_s"], raw_rsa_sign_per_s=signing["raw_rsa_sign_per_s"],
                       verify_ms_p50=signing["verify_ms_p50"], signing_detail=signing)
        pg_version = results["machine"]["postgres"]
        worker_env = dict(sqlite, CELERY_BROKER_URL="filesystem://")
        if pg_version:
            log("PostgreSQL: complete (1 and 2 processes), loop, 10,000 timers")
            pg = dict(sqlite, DATABASE_URL=recreate_database("quytrinh_bench"))
            run("prepare", pg)
            pg1 = run("complete", pg, instances=300)
            pg2 = complete_two_processes(pg, instances=400)
            approval1 = run("complete", pg, instances=400, process="approval")
            approval2 = complete_two_processes(pg, instances=400, process="approval")
            pg_loop = run("loop", pg, rounds=1005)
            bulk = timers_bulk(pg, processes=2, instances=10_000)
            results.update(
                complete_per_s_postgres_1proc=pg1["per_s"], complete_p95_ms_postgres=pg1["p95_ms"],
                complete_cpu_ms_postgres=pg1["client_cpu_ms_per_op"],
                complete_db_cpu_ms_postgres=pg1["db_backend_cpu_ms_per_op"],
                complete_per_s_postgres_2proc=pg2["per_s"], complete_postgres_2proc_detail=pg2,
                approval_per_s_postgres_1proc=approval1["per_s"], approval_per_s_postgres_2proc=approval2["per_s"],
                overhead_ratio_postgres=(1000 / pg1["per_s"]) / floor["ms_per_step"],
                loop_ms_10_postgres=pg_loop["after_ms"]["10"], loop_ms_1000_postgres=pg_loop["after_ms"]["1000"],
                loop_ratio_1000_10_postgres=pg_loop["ratio_1000_10"],
                timers_fired_per_s=bulk["per_s"], timers_bulk=bulk,
            )
            log("HTTP behind gunicorn: 16 clients completing tasks; the worklist with 1,000,000 task rows")
            results.update(http_figures(sqlite, tmp))
            worker_env = dict(pg, DATABASE_URL=recreate_database("quytrinh_bench_worker"))
        else:
            notes.append("PostgreSQL unreachable on 127.0.0.1:5432: PostgreSQL figures skipped")
            bulk = timers_bulk(sqlite, processes=1, instances=10_000)
            results.update(timers_fired_per_s=bulk["per_s"], timers_bulk=bulk)
        if redis_reachable():
            worker_env["CELERY_BROKER_URL"] = REDIS_URL
        else:
            notes.append("Redis unreachable: the worker figures use the filesystem broker")
        log("Celery worker and beat: timer latency, background-job overhead")
        run("prepare", worker_env)
        results.update(worker_figures(worker_env, tmp))
        log("Document office: register numbers under concurrency, search over 100,000 documents, register reports")
        results.update(guarded("documents", notes, lambda: documents_figures(tmp, postgres=bool(pg_version))))
        if pg_version:
            log("Staff pages: worklist, task and instance pages over a year of documents and 1,000,000 task rows; "
                "the worklist in Chromium")
            results.update(guarded("pages", notes, lambda: pages_figures(tmp)))
            log("Backup and restore: the demo data plus a year of documents and their files")
            results.update(guarded("backup", notes, lambda: backup_figures(tmp)))
        log("Word drafts to PDF: LibreOffice headless, a 3-page draft")
        results.update(guarded("conversion", notes, conversion_figures))
        log("An outgoing document, draft to issued: render, two signatures, numbering, issue")
        results.update(guarded("outgoing", notes, lambda: outgoing_figures(tmp, postgres=bool(pg_version))))
    results["notes"] = notes
    results["bench_seconds"] = round(time.time() - started, 1)
    (HERE / "latest.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print_table(results)
    print(json.dumps(results, ensure_ascii=False))


def print_table(r: dict) -> None:
    floor = r["floor_steps_per_s"]

    def row(label, value, unit="", versus=""):
        shown = "skipped" if value is None else (f"{value:,.1f}" if isinstance(value, float) else str(value))
        print(f"{label:<58} {shown:>12} {unit:<8} {versus}")

    print(f"\nquytrinh benchmark — {r['machine']['cores']} cores, {r['machine']['cpu_model']}, "
          f"Python {r['machine']['python']}, PostgreSQL {r['machine']['postgres'] or '-'}, {r['measured_at']}\n")
    row("floor: SpiffWorkflow alone, in memory (incoming document)", floor, "steps/s", "baseline 1.00")
    row("engine.complete(), SQLite, 1 process", r["complete_per_s_sqlite"], "/s",
        f"{r['complete_per_s_sqlite'] / floor:.2f} × floor; overhead ratio {r['overhead_ratio']:.2f}")
    pg1, pg2 = r.get("complete_per_s_postgres_1proc"), r.get("complete_per_s_postgres_2proc")
    row("engine.complete(), PostgreSQL, 1 process", pg1, "/s",
        f"{pg1 / floor:.2f} × floor; overhead ratio {r['overhead_ratio_postgres']:.2f}" if pg1 else "")
    row("engine.complete(), PostgreSQL, 2 processes", pg2, "/s", "target ≥ 350 (viewflow 2.4: 331)" if pg2 else "")
    row("peer workload (3-step approval), PostgreSQL, 1 process", r.get("approval_per_s_postgres_1proc"), "/s",
        "viewflow 2.4 median: 143")
    row("peer workload (3-step approval), PostgreSQL, 2 processes", r.get("approval_per_s_postgres_2proc"), "/s",
        "viewflow 2.4 median: 331")
    row("one more completion after 10 loop rounds (SQLite)", r["loop_ms_10"], "ms")
    row("... after 100 rounds", r["loop_ms_100"], "ms")
    row("... after 1,000 rounds", r["loop_ms_1000"], "ms",
        f"ratio 1000/10 = {r['loop_ratio_1000_10']:.2f} (target ≤ 2)")
    raw = r["spiff_raw_loop"]
    row("plain SpiffWorkflow on the same loop loses its task at round", raw.get("lost_at_round"), "",
        f"reports completed: {raw.get('reports_completed')}, end reached: {raw.get('end_event_reached')}")
    row("10,000 timers due at once, fired", r["timers_fired_per_s"], "/s",
        f"{r['timers_bulk']['seconds']:.1f} s with {r['timers_bulk']['processes']} process(es); target ≥ 500/s")
    row("timer latency, worst of 20 (default beat interval)", r["timer_latency_s_max"], "s", "target ≤ 5 s")
    row("background service task, enqueue → completed step, p50", r["service_task_ms_p50"], "ms")
    row("... p95", r["service_task_ms_p95"], "ms")
    http_detail = r.get("http_complete_detail") or {}
    row("task completions over HTTP, 16 clients, gunicorn, PostgreSQL", r.get("http_complete_per_s"), "/s",
        f"{r['http_complete_per_s'] / r['complete_per_s_postgres_2proc']:.2f} × engine.complete() in 2 processes; "
        "target ≥ 200" if http_detail else "")
    row("... p99", r.get("http_complete_p99_ms"), "ms", "target ≤ 150" if http_detail else "")
    row("worklist GET /api/v1/tasks/ with 1,000,000 task rows, p95", r.get("worklist_p95_ms_1m"), "ms",
        "target ≤ 30" if http_detail else "")
    row("PAdES B-T signatures, 1 process, 1-page PDF", r["sign_bt_per_s"], "/s",
        f"{r['sign_bt_per_s'] / r['raw_rsa_sign_per_s']:.3f} × raw RSA-2048 ({r['raw_rsa_sign_per_s']:,.0f}/s); "
        "target ≥ 50")
    row("verification of one signature, with parsing, p50", r["verify_ms_p50"], "ms", "target ≤ 30")
    print_groups(r)
    for note in r["notes"]:
        print(f"note: {note}")
    print(f"bench took {r['bench_seconds']} s\n")


def print_groups(r: dict) -> None:
    """The document office's, the pages' and the backup's rows: those a run measured."""

    def row(label, key, unit, versus):
        if key in r:
            value = r[key]
            shown = "skipped" if value is None else (f"{value:,.1f}" if isinstance(value, float) else str(value))
            print(f"{label:<58} {shown:>12} {unit:<8} {versus}")

    numbers = r.get("register_numbers_detail") or {}
    row("register numbers issued, 8 concurrent clients, PostgreSQL", "register_numbers_per_s", "/s",
        f"target ≥ 200; bare counter row: {numbers['bare_counter']['per_s']:,.0f}/s" if numbers else "target ≥ 200")
    search = r.get("document_search_detail") or {}
    row("document search over 100,000 documents, PostgreSQL, p95", "document_search_p95_ms", "ms",
        f"target ≤ 50; baseline (a one-task API list) p95 {search['baseline']['p95_ms']:.1f} ms, "
        f"ratio {search['ratio_p95_to_baseline_p95']:.1f}" if search.get("baseline") else "target ≤ 50")
    sqlite = r.get("document_search_detail_sqlite") or {}
    row("document search, SQLite fallback, p95", "document_search_p95_ms_sqlite", "ms",
        f"over {sqlite['data']['documents']:,} documents; PostgreSQL's target ≤ 50" if sqlite else "")
    row("a year's register (5,000 rows): book / follow-up, XLSX / PDF", "register_report_s", "s",
        "slowest of the four; target ≤ 3")
    row("page: worklist (1,000,000 task rows), server time, p95", "page_worklist_p95_ms", "ms", "target ≤ 100")
    row("page: task, server time, p95", "page_task_p95_ms", "ms", "target ≤ 100")
    row("page: instance, server time, p95", "page_instance_p95_ms", "ms", "target ≤ 100")
    row("worklist in Chromium, navigation start → load end, median", "browser_worklist_ms", "ms", "target ≤ 1,000")
    row("manage.py backup (demo + a year of documents and files)", "backup_s", "s", "target ≤ 60")
    row("manage.py restore onto an empty server", "restore_s", "s", "target ≤ 60")
    row("a 3-page Word draft to PDF (LibreOffice headless), median", "docx_to_pdf_s", "s", "target ≤ 5")
    if r.get("outgoing_end_to_end_detail"):
        from .outgoing import describe

        detail = r["outgoing_end_to_end_detail"]
        row(f"outgoing document, draft → issued, {detail['database']}, median", "outgoing_end_to_end_s", "s",
            describe(detail))
        if r.get("outgoing_end_to_end_detail_sqlite"):
            row("... on SQLite, median", "outgoing_end_to_end_s_sqlite", "s",
                describe(r["outgoing_end_to_end_detail_sqlite"]))


if __name__ == "__main__":
    if sys.argv[1:2] and sys.argv[1] in GROUPS and set(sys.argv[2:]) <= {"--record"}:
        group_only(sys.argv[1], record="--record" in sys.argv[2:])
    elif sys.argv[1:]:
        sys.exit(f"usage: python -m bench [{'|'.join(GROUPS)} [--record]]")
    else:
        main()
