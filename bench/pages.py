"""The staff pages' figures (issue 13), on PostgreSQL (``bench_pages``).

The data: the demo commune, a year of generated documents of its Party committee (``bench.documents``:
~5,000 documents, most incoming ones with a handling instance and its tasks), the 1,000,000-row task
table of the API's worklist figure (``bench.http.worklist_setup``), and 40 real incoming-document
instances started and walked 0–5 steps by the engine (the task and instance pages parse their stored
state, which the generated instances do not have).

- ``page_worklist_p95_ms``, ``page_task_p95_ms``, ``page_instance_p95_ms``: ``GET /``, ``/viec/<task>/``
  and ``/ho-so/<instance>/`` behind gunicorn, one request at a time on a kept-alive connection, each
  user with a session of their own; request to last byte on the loopback, which is the server's time
  plus a fraction of a millisecond. The first round warms the workers and is not counted.
- ``browser_worklist_ms``: Debian's Chromium (Playwright, headless), signed in through the sign-in
  form, the worklist loaded 20 times after a first load: navigation start → load event end
  (``PerformanceNavigationTiming``), median; p95 in the detail.

Setup phases run inside Django (``bench.phase``); the clients run in the bench's own process.
"""

from __future__ import annotations

import http.client as http_client
import random
import secrets
import statistics
import subprocess
import time
from pathlib import Path

from . import http

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DEMO_PASSWORD = "quytrinh-demo"  # directory's seed_demo default
#: Demo people with work in the generated year (clerk, leader, specialists) and the bench user, whose
#: roles hold in every body: its group queue is ~18,000 of the million rows' open tasks.
DEMO_USERS = ["vanthu", "bithu", "chuyenvien", "chuyenvien2", "chuyenvienvp", "bench"]
WORKLIST_QUERIES = ["", "?queue=group", "?queue=group&sort=priority", "?queue=group&overdue=1"]
BROWSER_USER = "chuyenvien"  # a specialist of the Party committee: ~1,200 open tasks of the year in the unit's queue
BROWSER_PATH = "/?queue=group"  # "Việc của đơn vị": a full page of rows (their own queue is empty)


# --- phases (inside Django) ----------------------------------------------------------------------


def pages_instances(options) -> dict:
    """``count`` incoming documents started by the bench user and walked ``k % 6`` steps each, so the
    task pages cover each step's form and the instance pages carry histories of every length."""
    from django.contrib.auth.models import User  # Django is set up when a phase runs

    from engine import services
    from engine.models import Task

    user = User.objects.get(username="bench")  # made by the phase's setup (bench.phase)
    steps, instances, walked = options["steps"], [], []
    for k in range(options["count"]):
        instance = services.start("incoming_document", actor=user, body=options["body"], data={"subject": "Công văn"})
        done = 0
        for step in steps[:k % 6]:
            task = Task.objects.filter(instance_id=instance.pk, status="open").order_by("created_at").first()
            if task is None:
                break
            services.complete(task, data=step, actor=user)
            done += 1
        instances.append(str(instance.pk))
        walked.append(done)
    tasks = Task.objects.filter(instance_id__in=instances, status="open").values_list("pk", flat=True)
    tasks = [str(pk) for pk in tasks]
    return {"instances": instances, "tasks": tasks, "steps_walked": walked}


def pages_sessions(options) -> dict:
    """A signed-in session for each named user and a sample of the generated directory (as the
    sign-in form would leave it), and the static files collected for the browser (``make run``'s
    collectstatic); then fresh planner statistics."""
    from django.conf import settings  # Django is set up when a phase runs
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connection

    names = list(options["users"]) + [f"wl{n:04d}" for n in random.Random(13).sample(range(options["directory"]),
                                                                                     options["sample"])]
    sessions = {}
    for user in User.objects.filter(username__in=names):
        store = SessionStore()
        store[SESSION_KEY], store[BACKEND_SESSION_KEY] = str(user.pk), settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions[user.username] = store.session_key
    call_command("collectstatic", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"sessions": sessions}


# --- the clients (in the bench's process) --------------------------------------------------------


def page_latency(base: str, requests: list[tuple[str, str]], *, rounds: int) -> dict:
    """``requests`` (session, path) in turn, ``rounds`` + 1 times, one at a time on one kept-alive
    connection; every answer must be 200 (a redirect to the sign-in page would be a lost session)."""
    connection = http_client.HTTPConnection(base.removeprefix("http://"), timeout=60)
    latencies: list[float] = []
    sizes: list[int] = []
    for round_ in range(rounds + 1):
        for session, path in requests:
            started = time.perf_counter()
            connection.request("GET", path, headers={"Cookie": f"sessionid={session}"})
            answer = connection.getresponse()
            body = answer.read()
            elapsed = time.perf_counter() - started
            if answer.status != 200:
                raise RuntimeError(f"GET {path} answered {answer.status}: {body[:300]!r}")
            if round_:
                latencies.append(elapsed * 1000)
                sizes.append(len(body))
    connection.close()
    return {"requests": len(latencies), "p50_ms": statistics.median(latencies),
            "p95_ms": http._percentile(latencies, 0.95), "p99_ms": http._percentile(latencies, 0.99),
            "max_ms": max(latencies), "html_bytes_median": statistics.median(sizes)}


def browser_worklist(base: str, *, username: str, loads: int = 20) -> dict:
    """The worklist in Chromium: signed in through the form, loaded once to warm, then ``loads`` times."""
    from playwright.sync_api import sync_playwright  # optional: only this figure needs it

    timings = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN",
                                          timezone_id="Asia/Ho_Chi_Minh")
            context.set_default_timeout(30_000)
            page = context.new_page()
            page.goto(base + "/dang-nhap/")
            page.fill("#id_username", username)
            page.fill("#id_password", DEMO_PASSWORD)
            page.click("button[type=submit].primary")
            page.wait_for_url(base + "/")
            for n in range(loads + 1):
                page.goto(base + BROWSER_PATH, wait_until="load")
                page.wait_for_function("performance.getEntriesByType('navigation')[0].loadEventEnd > 0")
                ms = page.evaluate("(() => { const t = performance.getEntriesByType('navigation')[0];"
                                   " return t.loadEventEnd - t.startTime; })()")
                if n:
                    timings.append(ms)
            resources = page.evaluate("performance.getEntriesByType('resource').length")
            rows = page.locator("li.task[data-task]").count()
            if not rows:
                raise RuntimeError(f"the worklist {BROWSER_PATH} showed {username} no task")
        finally:
            browser.close()
    return {"loads": len(timings), "median_ms": statistics.median(timings),
            "p95_ms": http._percentile(timings, 0.95), "min_ms": min(timings), "path": BROWSER_PATH, "rows_shown": rows,
            "resources": resources, "user": username, "chromium": _chromium_version()}


def _chromium_version() -> str:
    try:
        return subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def figures(env: dict, var_dir: Path, run, recreate_database, *, steps: list[dict], body: str, workers: int,
            threads: int, rounds: int = 3) -> dict:
    """Load the data (about four minutes, most of it the million task rows), then measure."""
    # one key for the phases and every gunicorn worker: without one each process makes its own, and a
    # session written by one is refused by the others
    env = dict(env, DATABASE_URL=recreate_database("bench_pages"), SECRET_KEY=secrets.token_urlsafe(50))
    started = time.time()
    run("prepare", env)
    run("documents_setup", env)  # the demo commune and its registers
    year = run("search_data", env, documents=5_000, report_rows=4_200, seed=13)
    real = run("pages_instances", env, steps=steps, body=body, count=40)
    million = run("worklist_setup", env, bodies=40, users=1000, instances=100_000, running=30_000)
    sessions = run("pages_sessions", env, users=DEMO_USERS, directory=1000, sample=30)["sessions"]
    loaded_s = time.time() - started
    missing = set(DEMO_USERS) - set(sessions)
    if missing:
        raise RuntimeError(f"no such demo users: {sorted(missing)}")
    bench = sessions["bench"]
    worklists = [(session, "/" + query) for session in sessions.values() for query in WORKLIST_QUERIES]
    tasks = [(bench, f"/viec/{pk}/") for pk in real["tasks"]]
    instances = [(bench, f"/ho-so/{pk}/") for pk in real["instances"]]
    with http.gunicorn(env, workers=workers, threads=threads, log=var_dir / "gunicorn-pages.log") as base:
        worklist = page_latency(base, worklists, rounds=rounds)
        task = page_latency(base, tasks, rounds=rounds)
        instance = page_latency(base, instances, rounds=rounds)
        browser = browser_worklist(base, username=BROWSER_USER) if Path(CHROMIUM).exists() else None
    data = {"year_documents": year["documents"], "year_instances": year["instances"], "year_tasks": year["tasks"],
            "task_rows": million["task_rows"], "open_tasks": million["open_tasks"],
            "real_instances": len(real["instances"]),
            "steps_walked": {str(k): real["steps_walked"].count(k) for k in sorted(set(real["steps_walked"]))},
            "users": len(sessions), "load_s": round(loaded_s, 1)}
    shape = {"gunicorn_workers": workers, "gunicorn_threads": threads, "data": data}
    return {"page_worklist_p95_ms": worklist["p95_ms"], "page_task_p95_ms": task["p95_ms"],
            "page_instance_p95_ms": instance["p95_ms"], "browser_worklist_ms": browser and browser["median_ms"],
            "pages_detail": dict(shape, worklist=worklist, task=task, instance=instance, browser=browser)}

