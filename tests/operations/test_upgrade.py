"""Upgrades with data: a fixture made by a release (``manage.py make_upgrade_fixture``: the demo
commune, running instances, registered documents with files, a signed PDF and its verification) is
restored onto an empty server running this code and migrated, and everything goes on: audit chains
intact, files and signatures intact, registers continue, stored SpiffWorkflow states load and
complete their next task.

Fixtures of tagged releases live in ``tests/operations/fixtures/<release>-<sqlite|postgresql>.tar.gz``
(docs/DEPLOY.md, deploy/RELEASE-NOTES.template.md); ``current`` is made from this code on the fly,
so the generator and the checks are proven before the first tag commits its own."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, transaction
from psycopg import sql

from documents import blobs, numbering, records
from documents.models import Blob, Direction, Document, NumberEntry
from engine import audit, definitions, inspection, live, services, state
from engine.models import InstanceStatus, ProcessInstance, Task, TaskStatus
from operations import sample
from signing import verify
from signing.models import VerificationReport

from .conftest import database_url

FIXTURES = Path(__file__).with_name("fixtures")
RELEASES = sorted(path.name for path in FIXTURES.glob("*.tar.gz"))


def _admin_connection():
    db = connection.settings_dict
    return psycopg.connect(dbname="postgres", host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432,
                           user=db["USER"], autocommit=True)


@pytest.fixture(scope="module")
def current_fixture(django_db_setup, tmp_path_factory):
    """This code's fixture, made by the generator in a database of its own."""
    folder = tmp_path_factory.mktemp("fixture")
    output = folder / "current.tar.gz"
    if connection.vendor == "postgresql":
        name = f"{connection.settings_dict['NAME']}_fixture"
        with _admin_connection() as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        url = database_url().rsplit("/", 1)[0] + f"/{name}"
    else:
        name, url = None, f"sqlite:///{folder / 'fixture.sqlite3'}"
    made = subprocess.run([sys.executable, "manage.py", "make_upgrade_fixture", str(output)],
                          cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "DATABASE_URL": url, "QUYTRINH_VAR_DIR": str(folder / "var"),
                               "QUYTRINH_FILES_DIR": str(folder / "files"), "SECRET_KEY": "fixture"}, check=False)
    if name:
        with _admin_connection() as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    assert made.returncode == 0, made.stderr[-3000:]
    return output


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("release", [*RELEASES, "current"])
def test_an_upgrade_from_a_release_keeps_everything_and_goes_on(release, request, manage, settings, tmp_path):
    if release == "current":
        archive = request.getfixturevalue("current_fixture")
    else:
        archive = FIXTURES / release
        if not release.endswith(f"-{connection.vendor}.tar.gz"):
            pytest.skip(f"a fixture of the other database ({release})")
    settings.MEDIA_ROOT = tmp_path / "files"
    if connection.vendor == "postgresql":  # an empty server: no database at all
        connection.close()
        with _admin_connection() as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(
                sql.Identifier(connection.settings_dict["NAME"])))
    else:
        connection.close()

    restored = manage("restore", archive, "--replace", QUYTRINH_FILES_DIR=settings.MEDIA_ROOT)
    assert restored.returncode == 0, restored.stderr
    call_command("migrate", interactive=False, verbosity=0)
    definitions.clear_cache()
    live.clear()

    assert audit.verify() == []
    for blob in Blob.objects.all():
        assert blobs.read(blob)  # present, and its SHA-256 still matches
    report = VerificationReport.objects.get()
    signed = Document.objects.get(files__blob__sha256=report.document_sha256).files.get().blob
    checked = verify.verify_pdf(blobs.read(signed))
    assert checked.report["signature_count"] == 1 and all(s["integrity"] for s in checked.report["signatures"])

    clerk = User.objects.get(username="vanthu")
    register = numbering.register_for(sample.BODY, Direction.INCOMING, secret=False)
    before = list(NumberEntry.objects.filter(series__register=register).order_by("number")
                  .values_list("number", flat=True))
    fresh = records.save(Document(direction=Direction.INCOMING, body=sample.BODY, subject="Sau nâng cấp",
                                  code_number="99", code_notation="CV-UBND", organ_name="UBND xã"))
    with transaction.atomic():
        records.register_incoming(fresh, actor=clerk)
    assert before == list(range(1, len(before) + 1)) and fresh.arrival_number == len(before) + 1

    halfway = Task.objects.get(bpmn_id="approve", status=TaskStatus.OPEN)
    services.complete(halfway, actor=clerk)
    assert ProcessInstance.objects.get(pk=halfway.instance_id).status == InstanceStatus.COMPLETED
    for instance in ProcessInstance.objects.filter(status=InstanceStatus.RUNNING):  # the catalog's too
        open_rows = set(Task.objects.filter(instance=instance, status=TaskStatus.OPEN).values_list("id", flat=True))
        assert set(state.ready_human_tasks(inspection.workflow_of(instance))) == open_rows and open_rows
