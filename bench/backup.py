"""Backup and restore figures (issue 15), on PostgreSQL: ``manage.py backup`` of the demo commune plus
a year of its Party committee's documents (``bench.documents``: ~5,000 documents, most incoming ones
with a handling instance and its tasks), each document with one stored file, then ``manage.py
restore`` of that archive onto an empty server (a database that does not exist yet, an empty files
folder). Both are timed as an administrator runs them: the whole command, Python and Django's start
included (about a second of each figure).

The files are not PDFs but pseudo-random bytes behind a PDF header, 20–180 KB (mean 100 KB, about
what a scanned one- or two-page incoming document weighs): what a backup costs is their bytes
(copied and hashed) and their number, and random bytes compress no better than a PDF's.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def backup_files(options) -> dict:
    """One main file per document, written through the storage and recorded as the blob store
    does (``documents.blobs``: content-addressed, its SHA-256 as the key), in bulk."""
    import hashlib

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from documents import blobs
    from documents.models import Blob, Document, DocumentFile

    make = random.Random(options.get("seed", 15))
    started = time.time()
    blob_rows, file_rows, total = [], [], 0
    for document_id in Document.objects.order_by("created_at", "id").values_list("pk", flat=True):
        content = b"%PDF-1.7\n" + make.randbytes(make.randint(20_000, 180_000))
        sha256 = hashlib.sha256(content).hexdigest()
        name = default_storage.save(blobs.storage_name(sha256), ContentFile(content))
        blob_rows.append(Blob(sha256=sha256, size=len(content), content_type="application/pdf", storage_name=name))
        file_rows.append(DocumentFile(id=uuid.UUID(int=make.getrandbits(128), version=4), document_id=document_id,
                                      name="van-ban.pdf", blob_id=sha256))
        total += len(content)
    Blob.objects.bulk_create(blob_rows, batch_size=1000)
    DocumentFile.objects.bulk_create(file_rows, batch_size=1000)
    return {"files": len(file_rows), "bytes": total, "seconds": round(time.time() - started, 1)}


def backup_history(options) -> dict:
    """Each generated instance's audit trail, as its steps would have written it: started, then
    each task created and completed with its data (the instance ended or still waiting), hash-chained
    by ``engine.audit`` itself, so that the restore's chain verification walks a year's events."""
    from django.contrib.auth.models import User  # Django is set up when a phase runs

    from engine import audit
    from engine.models import AuditEvent, ProcessInstance, Task

    make = random.Random(options.get("seed", 15))
    people = dict(User.objects.values_list("pk", "username"))
    tasks: dict = {}
    for task in Task.objects.order_by("created_at").only("id", "instance_id", "bpmn_id", "name", "candidate_group",
                                                         "status", "completed_by_id", "created_at", "completed_at"):
        tasks.setdefault(task.instance_id, []).append(task)
    events, heads = [], []
    for instance in ProcessInstance.objects.filter(audit_seq=0, pk__in=list(tasks)).only(
            "id", "subject", "sender", "body", "started_by_id", "started_at", "ended_at", "status", "audit_seq",
            "audit_head"):
        starter = audit.person(pk=instance.started_by_id, username=people.get(instance.started_by_id, ""))
        trail = [(instance.started_at, audit.Entry("instance_started", actor=starter and starter["username"],
                                                   after={"subject": instance.subject, "sender": instance.sender,
                                                          "body": instance.body}))]
        for task in tasks[instance.pk]:
            trail.append((task.created_at, audit.Entry("task_created", task_id=task.id, element=task.bpmn_id,
                                                       after={"name": task.name, "group": task.candidate_group})))
            if task.completed_at:
                who = people.get(task.completed_by_id, "")
                trail.append((task.completed_at, audit.Entry(
                    "task_completed", actor=who, task_id=task.id, element=task.bpmn_id,
                    after={"comment": f"Đã xử lý bước {task.name}", "urgency": make.choice(["thuong", "khan"]),
                           "completed_by": audit.person(pk=task.completed_by_id, username=who)})))
        if instance.ended_at:
            trail.append((instance.ended_at, audit.Entry("instance_completed", after={"outcome": "done"})))
        for at, entry in trail:
            events.extend(audit.chain_for_instance(instance, [entry], at))
        heads.append(instance)
    AuditEvent.objects.bulk_create(events, batch_size=2000)
    ProcessInstance.objects.bulk_update(heads, ["audit_seq", "audit_head"], batch_size=2000)
    problems = audit.verify()
    if problems:
        raise RuntimeError(f"the generated audit trails do not verify: {problems[:3]}")
    return {"instances": len(heads), "events": len(events)}


def backup_counts(_options) -> dict:
    """What a restore must bring back whole: rows of each kind, and the stored files that are there."""
    from django.core.files.storage import default_storage  # Django is set up when a phase runs

    from documents.models import Blob, Document, DocumentFile, NumberEntry
    from engine.models import AuditEvent, ProcessInstance, Task

    counts = {model.__name__: model.objects.count()
              for model in (Document, DocumentFile, Blob, NumberEntry, ProcessInstance, Task, AuditEvent)}
    counts["files"] = sum(default_storage.exists(name) for name in Blob.objects.values_list("storage_name", flat=True))
    return counts


def _manage(env: dict, *args: str) -> tuple[float, str]:
    """``manage.py args`` as an administrator runs it; its wall time and what it printed."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "manage.py", *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=900)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def _drop_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def figures(env: dict, var_dir: Path, run, recreate_database) -> dict:
    """Load the data (a minute or two), back it up, restore it elsewhere; both timed."""
    source = dict(env, DATABASE_URL=recreate_database("bench_backup"), QUYTRINH_VAR_DIR=str(var_dir / "backup-source"))
    started = time.time()
    run("prepare", source)
    run("documents_setup", source)  # the demo commune and its registers
    year = run("search_data", source, documents=5_000, report_rows=4_200, seed=15)
    files = run("backup_files", source)
    history = run("backup_history", source)
    loaded_s = time.time() - started
    archive = var_dir / "bench-backup.tar"
    backup_s, said = _manage(source, "backup", "--output", str(archive))
    target_url = source["DATABASE_URL"].rsplit("/", 1)[0] + "/bench_restore"
    _drop_database(target_url)  # restore creates it: an empty server
    target = dict(source, DATABASE_URL=target_url, QUYTRINH_VAR_DIR=str(var_dir / "backup-target"))
    restore_s, restored = _manage(target, "restore", str(archive))  # fails on an audit chain problem
    before, after = run("backup_counts", source), run("backup_counts", target)
    audit_before, audit_after = before.pop("AuditEvent"), after.pop("AuditEvent")  # a restore may add its own
    if before != after or after["files"] < files["files"] or audit_after < audit_before:
        raise RuntimeError(f"the restored server holds {after}, the backed-up one {before}")
    detail = {"documents": year["documents"], "instances": year["instances"], "tasks": year["tasks"],
              "audit_events": history["events"], "files": files["files"], "file_bytes": files["bytes"],
              "archive_bytes": archive.stat().st_size,
              "restored": after, "load_s": round(loaded_s, 1), "backup_said": said.strip()[-600:],
              "restore_said": restored.strip()[-600:]}
    archive.unlink()
    _drop_database(target_url)
    return {"backup_s": backup_s, "restore_s": restore_s, "backup_detail": detail}
