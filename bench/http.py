"""The REST API under load, behind gunicorn on PostgreSQL (issue 4).

- ``http_complete``: 16 concurrent clients, each walking its own incoming documents through all
  seven tasks with ``POST /api/v1/tasks/{id}/complete/`` and taking the next task from the answer's
  ``next_tasks`` (no extra lookup), as a worklist client does.
- ``worklist``: ``GET /api/v1/tasks/`` for sampled users of a directory of 1,000 users with
  1,000,000 task rows over 100,000 instances, generated in SQL (``worklist_setup``).

The setup functions run inside Django (as ``bench.phase`` phases); the clients run in the
orchestrating process (aiohttp, http.client) and know nothing of Django.
"""

from __future__ import annotations

import asyncio
import http.client as http_client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TASK_ROLES = ("van_thu", "lanh_dao", "chuyen_vien", "chanh_van_phong", "can_bo")


# --- setup phases (inside Django) ------------------------------------------------------------------


def http_setup(options) -> dict:
    """Start ``instances`` incoming documents untimed; one token per client; the first task ids."""
    from django.contrib.auth.models import User

    from api.models import ApiToken
    from engine import services
    from engine.models import Task

    user = User.objects.get(username="bench")  # made by the phase's setup (bench.phase)
    ids = [services.start("incoming_document", actor=user, body="dang_uy_xa", data={"subject": "Công văn"}).pk
           for _ in range(options["instances"])]
    first = dict(Task.objects.filter(instance_id__in=ids, status="open").values_list("instance_id", "id"))
    tokens = [ApiToken.issue(user, name=f"bench client {n}", lifetime=None)[1] for n in range(options["clients"])]
    return {"tasks": [str(first[pk]) for pk in ids], "tokens": tokens}


WORKLIST_SQL = """
INSERT INTO auth_user (username, password, is_superuser, first_name, last_name, email, is_staff, is_active,
                       date_joined)
SELECT 'wl' || lpad(n::text, 4, '0'), '!', false, '', '', '', false, true, now()
FROM generate_series(0, %(users)s - 1) AS n;

INSERT INTO directory_position (body_id, title)
SELECT b.id, 'Vị trí wl' || lpad(n::text, 4, '0')
FROM generate_series(0, %(users)s - 1) AS n
JOIN directory_body b ON b.code = 'wb' || lpad((n %% %(bodies)s)::text, 2, '0');

INSERT INTO directory_holding (position_id, user_id, valid_from)
SELECT p.id, u.id, DATE '2020-01-01'
FROM generate_series(0, %(users)s - 1) AS n JOIN auth_user u ON u.username = 'wl' || lpad(n::text, 4, '0')
JOIN directory_position p ON p.title = 'Vị trí ' || u.username;

-- every position grants one role in its own body, every third position a second one
INSERT INTO directory_rolegrant (position_id, role_id, body_id)
SELECT p.id, r.id, p.body_id
FROM generate_series(0, %(users)s - 1) AS n JOIN directory_position p ON p.title = 'Vị trí wl' || lpad(n::text, 4, '0')
JOIN directory_role r ON r.code = (ARRAY[%(roles)s])[1 + (n / %(bodies)s) %% 5]
UNION
SELECT p.id, r.id, p.body_id
FROM generate_series(0, %(users)s - 1) AS n JOIN directory_position p ON p.title = 'Vị trí wl' || lpad(n::text, 4, '0')
JOIN directory_role r ON r.code = (ARRAY[%(roles)s])[1 + (n / %(bodies)s + 2) %% 5]
WHERE n %% 3 = 0;

-- instances: the first `running` ones are still running, the rest are finished
INSERT INTO engine_processinstance (id, definition_id, business_key, status, state, revision, body, subject,
                                    sender, outcome, started_at, ended_at, audit_seq, audit_head)
SELECT gen_random_uuid(), %(definition)s, 'VB-' || n,
       CASE WHEN n < %(running)s THEN 'running' ELSE 'completed' END, '\\x'::bytea, 7,
       'wb' || lpad((n %% %(bodies)s)::text, 2, '0'), 'Công văn số ' || n, 'Tỉnh ủy',
       CASE WHEN n < %(running)s THEN '' ELSE 'Đã giải quyết' END,
       now() - (n || ' minutes')::interval, CASE WHEN n < %(running)s THEN NULL ELSE now() END, 0, ''
FROM generate_series(0, %(instances)s - 1) AS n;

-- ten tasks per instance: nine completed, and an open tenth for running instances (30 %% of those
-- assigned to a holder of the body)
INSERT INTO engine_task (id, instance_id, bpmn_id, name, lane, candidate_group, assignee_id, form_key, due_at,
                         priority, status, body, subject, sender, created_at, completed_at)
SELECT gen_random_uuid(), i.id, 'step_' || k, 'Bước ' || k, r.role, r.role,
       CASE WHEN k = 9 AND i.status = 'running' AND hashtext(i.id::text) %% 10 < 3
            THEN (SELECT h.user_id FROM directory_holding h JOIN directory_position p ON p.id = h.position_id
                  JOIN directory_body b ON b.id = p.body_id WHERE b.code = i.body
                  ORDER BY h.id OFFSET abs(hashtext(i.id::text)) %% 25 LIMIT 1) END,
       'incoming_handle', now() + ((hashtext(i.id::text || k) %% 20000) || ' minutes')::interval,
       abs(hashtext(i.id::text)) %% 4,
       CASE WHEN k = 9 AND i.status = 'running' THEN 'open' ELSE 'completed' END, i.body, i.subject, i.sender,
       i.started_at + (k || ' minutes')::interval,
       CASE WHEN k = 9 AND i.status = 'running' THEN NULL ELSE i.started_at + (k + 1 || ' minutes')::interval END
FROM engine_processinstance i CROSS JOIN generate_series(0, 9) AS k
CROSS JOIN LATERAL (SELECT (ARRAY[%(roles)s])[1 + (abs(hashtext(i.id::text)) + k) %% 5] AS role) AS r
WHERE i.business_key LIKE 'VB-%%';
"""


def worklist_setup(options) -> dict:
    """The directory (bodies × roles, users holding positions), instances and tasks, in SQL."""
    from django.db import connection, transaction

    from directory.models import Body, Role
    from engine.models import ProcessDefinition

    bodies, users, instances = options["bodies"], options["users"], options["instances"]
    for code in TASK_ROLES:
        Role.objects.get_or_create(code=code, defaults={"name": code})
    root = Body.objects.create(code="wb_root", name="Đảng bộ xã", kind=Body.Kind.PARTY)
    Body.objects.bulk_create(Body(code=f"wb{n:02d}", name=f"Cơ quan {n}", kind=Body.Kind.STATE, parent=root)
                             for n in range(bodies))
    definition = ProcessDefinition.objects.filter(key="incoming_document").values_list("pk", flat=True).first()
    params = {"users": users, "bodies": bodies, "instances": instances, "running": options["running"],
              "definition": definition, "roles": ", ".join(f"'{r}'" for r in TASK_ROLES)}
    started = time.time()
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in WORKLIST_SQL.split(";\n"):
            if statement.strip():
                cursor.execute(statement % params if "%(" in statement else statement)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE engine_task")
        cursor.execute("VACUUM ANALYZE engine_processinstance")
        cursor.execute("SELECT count(*), count(*) FILTER (WHERE status = 'open') FROM engine_task")
        task_rows, open_rows = cursor.fetchone()
    return {"task_rows": task_rows, "open_tasks": open_rows, "seconds": time.time() - started}


def worklist_tokens(options) -> dict:
    """Tokens for a sample of the generated users, and how much each sees (for the report)."""
    from django.contrib.auth.models import User

    from api.models import ApiToken
    from engine import access

    sample = random.Random(7).sample(range(options["users"]), options["sample"])
    found = User.objects.in_bulk([f"wl{n:04d}" for n in sample], field_name="username")
    tokens, sizes = [], []
    for user in found.values():
        tokens.append(ApiToken.issue(user, name="bench worklist", lifetime=None)[1])
        sizes.append(access.worklist(user).count())
    return {"tokens": tokens, "worklist_sizes": {"min": min(sizes), "median": statistics.median(sizes),
                                                 "max": max(sizes)}}


# --- the server and the clients -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(env: dict, *, workers: int, threads: int, log: Path):
    """The app behind gunicorn with the project's own settings (config/gunicorn.conf.py, as
    ``make run`` serves it) on a free port. Only the write throttle is lifted (the clients are one
    user)."""
    port = free_port()
    env = dict(env, QUYTRINH_WRITE_RATE="10000000/min", DEBUG="0", ALLOWED_HOSTS="127.0.0.1",
               QUYTRINH_HOST="127.0.0.1", QUYTRINH_PORT=str(port), QUYTRINH_WEB_WORKERS=str(workers),
               QUYTRINH_WEB_THREADS=str(threads))
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "config" / "gunicorn.conf.py"), "config.wsgi"],
        env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline or server.poll() is not None:
                raise RuntimeError("gunicorn did not start:\n" + log.read_text()[-2000:])
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def _complete_all(base: str, tokens: list[str], first_tasks: list[str], steps: list[dict]) -> dict:
    """One aiohttp session per client (a connection each, kept alive), as 16 staff would."""
    import aiohttp

    latencies: list[float] = []
    failures: list[str] = []
    pending = list(reversed(first_tasks))

    async def client(token: str) -> None:
        headers = {"Authorization": f"Token {token}"}
        async with aiohttp.ClientSession(base, headers=headers, connector=aiohttp.TCPConnector(limit=1)) as http:
            while pending:
                task_id, step = pending.pop(), 0
                while task_id:
                    started = time.perf_counter()
                    async with http.post(f"/api/v1/tasks/{task_id}/complete/", json={"data": steps[step]}) as answer:
                        body = await answer.json(content_type=None)
                    latencies.append(time.perf_counter() - started)
                    if answer.status != 200:
                        failures.append(f"{answer.status} {str(body)[:300]}")
                        break
                    following = body["next_tasks"]
                    task_id, step = (following[0]["id"], step + 1) if following else (None, step)

    cpu, started = time.process_time(), time.perf_counter()
    await asyncio.gather(*(client(token) for token in tokens))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if failures:
        raise RuntimeError(f"{len(failures)} completions failed, e.g. {failures[0]}")
    return {"completions": len(latencies), "seconds": seconds, "per_s": len(latencies) / seconds,
            "p50_ms": statistics.median(latencies) * 1000, "p99_ms": _percentile(latencies, 0.99) * 1000,
            "client_cpu_ms_per_request": cpu / len(latencies) * 1000}


def complete_over_http(base: str, setup: dict, steps: list[dict]) -> dict:
    return asyncio.run(_complete_all(base, setup["tokens"], setup["tasks"], steps))


def worklist_latency(base: str, tokens: list[str], *, rounds: int) -> dict:
    """Sequential requests on one kept-alive connection (latency, not throughput): first pages
    in both orderings, page 2, and the caller's own tasks, for every sampled user."""
    queries = ["", "?ordering=priority", "?page=2", "?scope=mine"]
    latencies, rows = [], []
    connection = http_client.HTTPConnection(base.removeprefix("http://"), timeout=30)
    for n in range(rounds):
        for token in tokens:
            started = time.perf_counter()
            connection.request("GET", f"/api/v1/tasks/{queries[n % len(queries)]}",
                               headers={"Authorization": f"Token {token}"})
            answer = connection.getresponse()
            body = answer.read()
            latencies.append(time.perf_counter() - started)
            if answer.status not in (200, 404):  # page 2 may not exist for a short worklist
                raise RuntimeError(f"worklist answered {answer.status}: {body[:300]!r}")
            if answer.status == 200:
                rows.append(len(json.loads(body)["results"]))
    connection.close()
    latencies = latencies[len(tokens):]  # the first round warms the workers' caches
    return {"requests": len(latencies), "p50_ms": statistics.median(latencies) * 1000,
            "p95_ms": _percentile(latencies, 0.95) * 1000, "p99_ms": _percentile(latencies, 0.99) * 1000,
            "rows_per_page_median": statistics.median(rows)}
