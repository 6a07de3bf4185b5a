"""Writing a backup: the database at one instant plus every file it refers to, in one archive.

Files are stored by SHA-256 and never changed or deleted (``documents.blobs``), and a file is
written before the row that names it commits: so every file the dumped database names exists
when it is copied, and each is checked against its hash as it is read. A missing or damaged file
fails the backup, naming it, rather than producing an archive that cannot be restored whole.
"""

import hashlib
import os
import tarfile
import tempfile
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import django
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from . import archive, dumps
from .exceptions import BackupError


@dataclass(frozen=True)
class Summary:
    path: Path
    size: int
    files: int
    counts: dict[str, int]


def default_path(directory: Path) -> Path:
    return directory / f"quytrinh-{timezone.now():%Y%m%dT%H%M%SZ}.tar"


def create(path: Path) -> Summary:
    """Write the archive to ``path`` (first as ``<path>.partial``, renamed when complete)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="quytrinh-backup-") as scratch, dumps.dump(Path(scratch)) as snapshot:
        manifest = archive.Manifest(
            database={**snapshot.info, "member": snapshot.member}, migrations=snapshot.migrations,
            counts=snapshot.counts, created_at=timezone.now().isoformat(), software=_software())
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # confidential documents inside
        try:
            with os.fdopen(fd, "wb") as out, tarfile.open(fileobj=out, mode="w:", format=tarfile.PAX_FORMAT) as tar:
                writer = archive.Writer(tar, manifest)
                writer.add_file(snapshot.member, snapshot.path)
                _add_files(writer, snapshot.files)
                writer.close()
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    partial.replace(path)
    return Summary(path, path.stat().st_size, len(snapshot.files), snapshot.counts)


def _add_files(writer: archive.Writer, files: list[tuple[str, str, int]]) -> None:
    problems = []
    for sha256, storage_name, _size in files:
        try:
            with default_storage.open(storage_name, "rb") as handle:
                content = handle.read()
        except OSError:
            problems.append(_("%(name)s is missing") % {"name": storage_name})
            continue
        if hashlib.sha256(content).hexdigest() != sha256:
            problems.append(_("%(name)s no longer matches its SHA-256") % {"name": storage_name})
            continue
        writer.add_bytes(archive.FILES_PREFIX + storage_name, content)
    if problems:
        raise BackupError(_("No backup was written: %(count)s stored file(s) are damaged or missing (%(problems)s). "
                            "Restore them from an earlier backup first.")
                          % {"count": len(problems), "problems": "; ".join(problems[:20])})


def _software() -> dict:
    try:
        own = version("quytrinh")
    except PackageNotFoundError:
        own = "unknown"
    return {"quytrinh": own, "django": django.get_version()}
