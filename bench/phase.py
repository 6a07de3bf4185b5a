"""One benchmark phase, run in its own process: ``python -m bench.phase NAME [JSON options]``.

The database comes from the environment (``DATABASE_URL``, else SQLite under ``QUYTRINH_VAR_DIR``);
the result is one JSON object on the last line of stdout.
"""

import json
import os
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

HERE = Path(__file__).resolve().parent
APPROVAL_STEPS = [{"approved": True}] * 3
#: The incoming document as one person holding every role walks it: the arrival number comes from
#: the register at the second step, and the leader closes it at the last.
STEPS = [
    {"valid": True},
    {"urgency": "khan", "organ_name": "Tỉnh ủy", "subject": "Công văn"},
    {"presented_to": "bench"},
    {"lead_handler": "bench", "deadline": "2030-12-06", "instructions": "Xử lý"},
    {"outcome": "done"},
    {"report": "Công văn trả lời"},
    {"conclusion": "Xong"},
]
#: The body the bench's incoming documents belong to: it has registers (their numbers are part of the work).
BODY = "dang_uy_xa"
#: What the floor's service tasks answer without a database: what each handler returns, in shape.
FLOOR_ANSWERS = {
    "signing.check_verification": {"checked": False, "valid": None, "verdict": None, "verification_id": None,
                                   "summary": ""},
    "documents.receive_incoming": {"document_id": "d", "urgency": "khan"},
    "documents.register_incoming": {"document_id": "d", "arrival_number": 1, "arrival_date": "2026-12-04",
                                    "arrived_at": "2026-12-04T09:00:00+07:00", "register": "Sổ",
                                    "deadline": "2026-12-07", "urgency": "khan", "number_notation": ""},
    "documents.assign_incoming": {"lead_unit": None, "lead_handler": "bench", "deadline": "2030-12-06",
                                  "cooperators": []},
}


def setup_django():
    import django

    from config import var

    var.ensure()  # the phase's own var/ (QUYTRINH_VAR_DIR), which importing the settings does not create
    django.setup()


def prepare(_options) -> dict:
    """Create the schema, deploy the catalog and the bench processes, make the bench user."""
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    from directory.models import Body
    from documents import demo as documents_demo
    from engine import services
    from processes import catalog

    call_command("migrate", verbosity=0)
    files = catalog.files()
    for name in ("rework_loop.bpmn", "timer_only.bpmn", "service_task.bpmn", "approval.bpmn"):
        files[name] = (HERE / name).read_bytes()
    services.deploy(files)
    user, _ = User.objects.get_or_create(username="bench")
    for role in ("van_thu", "lanh_dao", "chuyen_vien"):
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    Body.objects.get_or_create(code=BODY, defaults={"name": "Đảng ủy xã", "kind": Body.Kind.PARTY})
    documents_demo.seed()  # its registers
    return {"ok": True}


def _user():
    from django.contrib.auth.models import User

    return User.objects.get(username="bench")


def _backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (0 on SQLite)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def floor(options) -> dict:
    """SpiffWorkflow alone, in memory: the incoming-document process, user task by user task."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
    from SpiffWorkflow.spiff.parser import SpiffBpmnParser
    from SpiffWorkflow.util.task import TaskState

    from engine import expressions

    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(HERE.parent / "processes" / "bpmn" / "incoming_document.bpmn"))
    spec = parser.get_spec("incoming_document")
    class FloorScriptEngine(PythonScriptEngine):
        def call_service(self, task, operation_name=None, **kwargs):
            """What each handler on this path answers, in shape (a paper document: no verification)."""
            return json.dumps(FLOOR_ANSWERS.get(operation_name, True))

    engine = FloorScriptEngine(environment=TaskDataEnvironment(dict(expressions.HELPERS)))
    count = options.get("instances", 300)
    started = time.perf_counter()
    steps = 0
    for _ in range(count):
        workflow = BpmnWorkflow(spec, script_engine=engine)
        workflow.do_engine_steps()
        for data in STEPS:
            task = workflow.get_next_task(state=TaskState.READY, manual=True)
            task.data.update(data)
            task.run()
            workflow.refresh_timers()
            workflow.do_engine_steps()
            steps += 1
    seconds = time.perf_counter() - started
    return {"steps": steps, "seconds": seconds, "steps_per_s": steps / seconds, "ms_per_step": seconds / steps * 1000}


def complete(options) -> dict:
    """``engine.complete()``: start untimed, then complete every open task round by round
    (looking each one up as a worklist would). The incoming-document process by default, or the
    peer benchmark's three-step approval (``process="approval"``)."""
    from engine import services
    from engine.models import Task

    user = _user()
    count = options.get("instances", 300)
    key = options.get("process", "incoming_document")
    steps, data = (APPROVAL_STEPS, {"approver": user.pk}) if key == "approval" else (STEPS, {"subject": "Công văn"})
    body = BODY if key == "incoming_document" else ""
    instances = [services.start(key, actor=user, body=body, data=data).pk for _ in range(count)]
    barrier = options.get("barrier")
    if barrier:  # several processes start timing together
        Path(barrier, f"ready-{os.getpid()}").touch()
        while len(list(Path(barrier).glob("ready-*"))) < options["processes"]:
            time.sleep(0.01)
    latencies = []
    cpu0, backend0, wall0 = time.process_time(), _backend_cpu(), time.time()
    for data in steps:
        for instance_id in instances:
            t0 = time.perf_counter()
            task = Task.objects.only("id", "instance_id").get(instance_id=instance_id, status="open")
            services.complete(task, data=data, actor=user)
            latencies.append(time.perf_counter() - t0)
    wall1, cpu1, backend1 = time.time(), time.process_time(), _backend_cpu()
    n = len(latencies)
    return {
        "completions": n, "start": wall0, "end": wall1, "per_s": n / (wall1 - wall0),
        "p50_ms": statistics.median(latencies) * 1000, "p95_ms": _percentile(latencies, 0.95) * 1000,
        "client_cpu_ms_per_op": (cpu1 - cpu0) / n * 1000, "db_backend_cpu_ms_per_op": (backend1 - backend0) / n * 1000,
    }


def loop(options) -> dict:
    """One more completion after 10, 100 and 1,000 rounds of a rework loop drawn as a back-edge."""
    from engine import inspection, services, state
    from engine.models import ProcessInstance, Task

    user = _user()
    rounds = options.get("rounds", 1005)
    instance = services.start("rework_loop", actor=user, data={"i": 0, "n": rounds})
    durations = []
    for i in range(1, rounds + 1):
        t0 = time.perf_counter()
        task = Task.objects.only("id", "instance_id").get(instance_id=instance.pk, status="open")
        services.complete(task, data={"i": i}, actor=user)
        durations.append(time.perf_counter() - t0)
    instance = ProcessInstance.objects.get(pk=instance.pk)
    assert instance.status == "completed", instance.status
    assert state.reached_end(inspection.workflow_of(instance))
    assert Task.objects.filter(instance=instance, status="completed").count() == rounds
    after = {k: statistics.median(durations[k:k + 5]) * 1000 for k in (10, 100, 1000)}
    return {"rounds": rounds, "completed": True, "after_ms": after,
            "ratio_1000_10": after[1000] / after[10], "state_bytes_end": len(instance.state)}


def raw_loop(options) -> dict:
    """What plain SpiffWorkflow does on the same loop: the round where it loses its READY task."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.spiff.parser import SpiffBpmnParser
    from SpiffWorkflow.util.task import TaskState

    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(HERE / "rework_loop.bpmn"))
    workflow = BpmnWorkflow(parser.get_spec("rework_loop"))
    rounds = options.get("rounds", 1005)
    workflow.task_tree.data.update(i=0, n=rounds)
    workflow.do_engine_steps()
    for i in range(1, rounds + 1):
        task = workflow.get_next_task(state=TaskState.READY, manual=True)
        if task is None:
            end = any(t.task_spec.name == "End" and t.state == TaskState.COMPLETED for t in workflow.tasks.values())
            return {"lost_at_round": i, "reports_completed": workflow.is_completed(), "end_event_reached": end}
        task.data["i"] = i
        task.run()
        workflow.do_engine_steps()
    return {"lost_at_round": None}


def timers_bulk(options) -> dict:
    """Instances whose timers all fall due at once, fired by the sweep (several processes)."""
    from django.utils import timezone

    from engine import services, timers
    from engine.models import InstanceStatus, ProcessInstance

    if options.get("create"):
        count = options.get("instances", 10_000)
        due = timezone.now() + timedelta(seconds=options.get("due_in", 20))
        template = services.start("timer_only", data={"due": due.isoformat()})
        template = ProcessInstance.objects.get(pk=template.pk)
        clones = []
        for _ in range(count - 1):
            clone = ProcessInstance(**{f.attname: getattr(template, f.attname)
                                       for f in ProcessInstance._meta.concrete_fields})
            clone.pk, clone.audit_seq, clone.audit_head = uuid.uuid4(), 0, ""
            clones.append(clone)
        ProcessInstance.objects.bulk_create(clones, batch_size=1000)
        return {"created": count, "due": due.timestamp()}
    while time.time() < options["due"] + 0.5:
        time.sleep(0.05)
    Path(options["barrier"], f"ready-{os.getpid()}").touch()
    while len(list(Path(options["barrier"]).glob("ready-*"))) < options["processes"]:
        time.sleep(0.005)
    start = time.time()
    taken = timers.fire_all_due()
    end = time.time()
    left = ProcessInstance.objects.filter(status=InstanceStatus.RUNNING).count()
    return {"taken": taken, "start": start, "end": end, "left_running": left}


def worker_figures(options) -> dict:
    """With the worker and beat already running: timer latency and background-job overhead."""
    from django.utils import timezone

    from engine import services
    from engine.models import AuditEvent, InstanceStatus, ProcessInstance

    now = timezone.now()
    spread = options.get("timers", 20)
    timer_ids = {}
    for k in range(spread):
        due = now + timedelta(seconds=6 + k * 0.5)
        instance = services.start("timer_only", data={"due": due.isoformat()})
        timer_ids[instance.pk] = due
    job_latencies = []
    for k in range(options.get("jobs", 40)):
        instance = services.start("service_task", data={"n": k})
        started = time.perf_counter()
        while not ProcessInstance.objects.filter(pk=instance.pk, status=InstanceStatus.COMPLETED).exists():
            if time.perf_counter() - started > 30:
                raise RuntimeError("a background job did not complete within 30 s")
            time.sleep(0.002)
        job_latencies.append(time.perf_counter() - started)
    deadline = time.time() + 60
    while ProcessInstance.objects.filter(pk__in=timer_ids, status=InstanceStatus.RUNNING).exists():
        if time.time() > deadline:
            raise RuntimeError("timers did not fire within 60 s of falling due")
        time.sleep(0.05)
    fired = dict(AuditEvent.objects.filter(instance__in=timer_ids, action="instance_completed")
                 .values_list("instance_id", "at"))
    latencies = [(fired[pk] - due).total_seconds() for pk, due in timer_ids.items()]
    return {
        "timer_latency_s_max": max(latencies), "timer_latency_s_p50": statistics.median(latencies),
        "timers": len(latencies), "service_task_ms_p50": statistics.median(job_latencies) * 1000,
        "service_task_ms_p95": _percentile(job_latencies, 0.95) * 1000, "jobs": len(job_latencies),
    }


def _more_phases():
    from . import backup, documents, http, outgoing, pages, signing

    def signing_figures(options):
        return signing.run(count=options.get("count", 200))

    return (http.http_setup, http.worklist_setup, http.worklist_tokens, signing_figures, documents.documents_setup,
            documents.numbers_issue, documents.numbers_check, documents.search_data, documents.search_queries,
            documents.register_reports, pages.pages_instances, pages.pages_sessions, backup.backup_files,
            backup.backup_history, backup.backup_counts, outgoing.outgoing_run)


PHASES = {f.__name__: f for f in (prepare, floor, complete, loop, raw_loop, timers_bulk, worker_figures,
                                  *_more_phases())}

if __name__ == "__main__":
    name = sys.argv[1]
    options = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    setup_django()  # even the in-memory phases: the date helpers read the configured calendar
    print(json.dumps(PHASES[name](options)))
