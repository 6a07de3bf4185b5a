"""Restoring a backup onto an empty server: nothing is touched until the whole archive has been
checked against its manifest, and a server that holds data is refused unless told to replace it.

Afterwards the restored audit chains are verified and what was restored is counted, so the
administrator reads the result instead of trusting it.
"""

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

from engine import audit

from . import archive, dumps
from .exceptions import BackupError, NotEmpty


@dataclass(frozen=True)
class Summary:
    created_at: str
    counts: dict[str, int]
    files: int
    file_bytes: int
    audit_problems: list[str]
    pending_migrations: list[str]


def restore(path: Path, *, replace: bool = False) -> Summary:
    manifest = archive.verify(path)
    _refuse_newer_schema(manifest)
    if not replace:
        _refuse_non_empty()
    with tempfile.TemporaryDirectory(prefix="quytrinh-restore-") as scratch:
        member = manifest.database["member"]
        dumps.load(archive.extract(path, member, Path(scratch) / member), manifest.database, replace=replace)
    files, size = _restore_files(path, replace=replace)
    return Summary(created_at=manifest.created_at, counts=_counts(), files=files, file_bytes=size,
                   audit_problems=[str(problem) for problem in audit.verify()],
                   pending_migrations=[f"{m.app_label}.{m.name}" for m, _backwards in
                                       MigrationExecutor(connection).migration_plan(
                                           MigrationLoader(connection).graph.leaf_nodes())])


def _refuse_newer_schema(manifest: archive.Manifest) -> None:
    """An archive made by a newer quytrinh has migrations this code does not know: restore it with
    that version (then upgrade), never with this one."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(f"{app}.{name}" for app, names in manifest.migrations.items() for name in names
                     if (app, name) not in known)
    if unknown:
        raise BackupError(_("The backup was made by a newer quytrinh (it has the migrations %(migrations)s, unknown "
                            "here): restore it with that version.") % {"migrations": ", ".join(unknown[:10])})


def _refuse_non_empty() -> None:
    tables = dumps.tables()
    if tables:
        raise NotEmpty(_("The database already holds %(tables)s tables. Restore only onto an empty database, or pass "
                         "--replace to drop what it holds.") % {"tables": tables})
    if _storage_holds_files():
        raise NotEmpty(_("The file storage already holds documents' files. Restore only onto empty storage, or pass "
                         "--replace."))


def _storage_holds_files() -> bool:
    try:
        folders, files = default_storage.listdir("blobs")
    except (FileNotFoundError, NotADirectoryError):
        return False
    return bool(folders or files)


def _restore_files(path: Path, *, replace: bool) -> tuple[int, int]:
    count = size = 0
    for name, content in archive.stored_files(path):
        if default_storage.exists(name):
            with default_storage.open(name, "rb") as handle:
                same = hashlib.sha256(handle.read()).digest() == hashlib.sha256(content).digest()
            if same:
                count, size = count + 1, size + len(content)
                continue
            if not replace:
                raise NotEmpty(_("%(name)s already exists with other content.") % {"name": name})
            default_storage.delete(name)
        stored = default_storage.save(name, ContentFile(content))
        if stored != name:
            raise BackupError(_("The storage saved %(name)s as %(stored)s.") % {"name": name, "stored": stored})
        count, size = count + 1, size + len(content)
    return count, size


def _counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        found = {}
        for key, table in dumps.COUNTED.items():
            cursor.execute(f"SELECT count(*) FROM {table}")
            found[key] = cursor.fetchone()[0]
    return found
