"""Backups that restore: ``manage.py backup`` then ``manage.py restore`` onto an empty server gives
back every register, file, signature and running instance, in a state that goes on working."""

import hashlib
import io
import tarfile

import psycopg
import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from psycopg import sql

from documents import blobs, records
from documents.models import Blob, Direction, Document, NumberEntry
from engine import audit, definitions, live, services
from engine.models import AuditEvent, InstanceStatus, ProcessInstance, Task
from operations import backup
from operations.sample import populate
from signing import verify


@pytest.fixture
def server(db, office, files_dir, sealed):
    clerk = User.objects.get(username="vanthu")
    return {"user": clerk, **populate(user=clerk, signed_pdf=sealed)}


def drop_test_database():
    """What losing the server means: the database and the files folder are gone."""
    db = connection.settings_dict
    connection.close()
    with psycopg.connect(dbname="postgres", host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432,
                         user=db["USER"], autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(db["NAME"])))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backup_wipe_restore_gives_back_a_server_that_goes_on(server, manage, files_dir, tmp_path):
    archive = tmp_path / "nightly.tar"
    before_events = AuditEvent.objects.count()
    file_hashes = dict(Blob.objects.values_list("storage_name", "sha256"))
    assert len(file_hashes) == 3

    made = manage("backup", "--output", archive, QUYTRINH_FILES_DIR=files_dir)
    assert made.returncode == 0, made.stderr
    assert archive.stat().st_mode & 0o077 == 0  # documents inside: readable by its owner only

    drop_test_database()
    for path in sorted(files_dir.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    assert not any(files_dir.iterdir())

    restored = manage("restore", archive, QUYTRINH_FILES_DIR=files_dir)
    assert restored.returncode == 0, restored.stderr
    assert "documents 3" in restored.stdout and "stored_files 3" in restored.stdout
    again = manage("restore", archive, QUYTRINH_FILES_DIR=files_dir)
    assert again.returncode != 0 and "--replace" in again.stderr  # the server is no longer empty
    checked = manage("verify_audit", QUYTRINH_FILES_DIR=files_dir)
    assert checked.returncode == 0, checked.stderr

    definitions.clear_cache()
    live.clear()  # nothing of this process's memory may stand in for what was restored
    assert AuditEvent.objects.count() == before_events
    for storage_name, sha256 in file_hashes.items():
        assert hashlib.sha256((files_dir / storage_name).read_bytes()).hexdigest() == sha256
    for blob in Blob.objects.all():
        assert hashlib.sha256(blobs.read(blob)).hexdigest() == blob.sha256
    signed = server["documents"][0].files.get().blob
    assert verify.verify_pdf(blobs.read(signed)).valid

    clerk = User.objects.get(username="vanthu")
    fourth = records.save(Document(direction=Direction.INCOMING, body="dang_uy_xa", subject="Công văn 4",
                                   code_number="4", code_notation="CV-UBND", organ_name="UBND xã"))
    with transaction.atomic():
        records.register_incoming(fourth, actor=clerk)
    numbers = sorted(NumberEntry.objects.filter(series__register=server["register"]).values_list("number", flat=True))
    assert fourth.arrival_number == 4 and numbers == [1, 2, 3, 4]  # no gap, no number twice

    halfway = ProcessInstance.objects.get(pk=server["instances"][0].pk)
    services.complete(Task.objects.get(instance=halfway, status="open", bpmn_id="approve"), actor=clerk)
    halfway.refresh_from_db()
    assert halfway.status == InstanceStatus.COMPLETED and halfway.revision == 3
    fresh = ProcessInstance.objects.get(pk=server["instances"][1].pk)
    services.complete(Task.objects.get(instance=fresh, status="open"), actor=clerk)
    assert Task.objects.get(instance=fresh, status="open").bpmn_id == "approve"
    assert audit.verify() == []


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_onto_an_empty_server_of_its_kind(server, manage, tmp_path):
    """On either database: a second, empty server (its own database and files folder) gets it all."""
    made = backup.create(tmp_path / "b.tar")
    assert made.files == 3 and made.counts["documents"] == 3 and made.counts["process_instances"] == 3
    other = {"QUYTRINH_FILES_DIR": tmp_path / "other-files"}
    if connection.vendor == "sqlite":
        other["DATABASE_URL"] = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    else:
        other["DATABASE_URL"] = (f"postgres://{connection.settings_dict['USER']}@127.0.0.1:"
                                 f"{connection.settings_dict['PORT'] or 5432}/{connection.settings_dict['NAME']}_other")
    try:
        restored = manage("restore", tmp_path / "b.tar", **other)
        assert restored.returncode == 0, restored.stderr
        checked = manage("verify_audit", **other)
        assert checked.returncode == 0, checked.stderr
        files = sorted(p.name for p in (tmp_path / "other-files").rglob("*") if p.is_file())
        assert files == sorted(Blob.objects.values_list("sha256", flat=True))
    finally:
        if connection.vendor == "postgresql":
            with psycopg.connect(dbname="postgres", host="127.0.0.1", port=connection.settings_dict["PORT"] or 5432,
                                 user=connection.settings_dict["USER"], autocommit=True) as admin:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(f"{connection.settings_dict['NAME']}_other")))


@pytest.mark.django_db(transaction=True)
def test_a_damaged_archive_is_refused_before_anything_is_touched(server, manage, tmp_path):
    good = tmp_path / "b.tar"
    backup.create(good)
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(good) as source, tarfile.open(damaged, "w") as target:
        for info in source:
            content = source.extractfile(info).read()
            if info.name.startswith("files/") and content.startswith(b"%PDF-1.7\n% scan 2"):
                content = content.replace(b"scan 2", b"scan X")  # one byte differs, same size
            target.addfile(info, io.BytesIO(content))
    target_db = tmp_path / "target.sqlite3"

    refused = manage("restore", damaged, DATABASE_URL=f"sqlite:///{target_db}",
                     QUYTRINH_FILES_DIR=tmp_path / "target-files")

    assert refused.returncode != 0
    assert "SHA-256" in refused.stderr and "files/blobs/" in refused.stderr
    assert not target_db.exists() and not (tmp_path / "target-files").exists()


@pytest.mark.django_db(transaction=True)
def test_no_backup_is_written_while_a_stored_file_is_damaged(server, files_dir, tmp_path):
    blob = Blob.objects.order_by("sha256").first()
    (files_dir / blob.storage_name).write_bytes(b"altered")
    with pytest.raises(Exception, match="SHA-256") as refused:
        backup.create(tmp_path / "b.tar")
    assert blob.storage_name in str(refused.value)
    assert not (tmp_path / "b.tar").exists() and not (tmp_path / "b.tar.partial").exists()
