"""The backup archive: one tar file with the database dump, the stored files and a manifest of their
SHA-256s, so that a copy can be checked anywhere, before anything is restored from it.

Layout::

    database.pgdump | database.sqlite3   the database at one instant (``operations.dumps``)
    files/<storage name>                 each stored file (documents' blobs, by SHA-256)
    manifest.json                        what the archive holds, with the SHA-256 and size of each member
    manifest.sha256                      the SHA-256 of manifest.json

The archive is uncompressed: the PostgreSQL dump is compressed already and PDFs hardly compress.

A case file's export (``operations.casefiles``) is the same kind of archive with another ``format``
and a ``subject`` (the case file), so one manifest check serves both.
"""

import hashlib
import io
import json
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from .exceptions import BackupError

FORMAT = "quytrinh-backup"
CASE_FILE_FORMAT = "quytrinh-case-file"
VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_SHA256 = "manifest.sha256"
FILES_PREFIX = "files/"
CHUNK = 1024 * 1024


@dataclass
class Manifest:
    """What an archive holds: ``members`` maps each member's name to its ``sha256`` and ``size``."""

    database: dict
    migrations: dict[str, list[str]]
    counts: dict[str, int]
    created_at: str
    software: dict
    members: dict[str, dict] = field(default_factory=dict)
    format: str = FORMAT
    subject: dict = field(default_factory=dict)  # what an export is of (a case file); empty in a backup

    def as_json(self) -> bytes:
        return json.dumps({"format": self.format, "version": VERSION, "created_at": self.created_at,
                           "software": self.software, "database": self.database, "migrations": self.migrations,
                           "counts": self.counts, "members": self.members,
                           **({"subject": self.subject} if self.subject else {})},
                          ensure_ascii=False, indent=1, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes, *, expected: str = FORMAT) -> "Manifest":
        try:
            data = json.loads(raw)
        except ValueError as err:
            raise BackupError(_("The archive's manifest is not valid JSON.")) from err
        if not isinstance(data, dict) or data.get("format") != expected:
            raise BackupError(_("This is not a quytrinh backup archive.") if expected == FORMAT
                              else _("This is not a quytrinh case file archive."))
        if data.get("version") != VERSION:
            raise BackupError(_("This backup archive has format version %(version)s; this quytrinh reads version "
                                "%(supported)s.") % {"version": data.get("version"), "supported": VERSION})
        return cls(database=data["database"], migrations=data["migrations"], counts=data["counts"],
                   created_at=data["created_at"], software=data["software"], members=data["members"],
                   format=data["format"], subject=data.get("subject") or {})

    @property
    def files(self) -> list[str]:
        """Storage names of the stored files in the archive."""
        return sorted(name.removeprefix(FILES_PREFIX) for name in self.members if name.startswith(FILES_PREFIX))


class Writer:
    """Adds members to a new archive, hashing each one into the manifest."""

    def __init__(self, tar: tarfile.TarFile, manifest: Manifest):
        self.tar, self.manifest = tar, manifest

    def add_bytes(self, name: str, content: bytes) -> None:
        self._add(name, len(content), io.BytesIO(content), hashlib.sha256(content).hexdigest())

    def add_file(self, name: str, path: Path) -> None:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                digest.update(chunk)
        with path.open("rb") as handle:
            self._add(name, path.stat().st_size, handle, digest.hexdigest())

    def _add(self, name: str, size: int, handle, sha256: str) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = size, 0o600, int(time.time())
        self.tar.addfile(info, handle)
        self.manifest.members[name] = {"sha256": sha256, "size": size}

    def close(self) -> None:
        raw = self.manifest.as_json()
        self.add_bytes(MANIFEST, raw)
        self.add_bytes(MANIFEST_SHA256, (hashlib.sha256(raw).hexdigest() + "\n").encode())
        self.manifest.members.pop(MANIFEST)
        self.manifest.members.pop(MANIFEST_SHA256)


def read_manifest(path: Path, *, expected: str = FORMAT) -> Manifest:
    """The archive's manifest, checked against its own SHA-256."""
    try:
        with tarfile.open(path, "r:*") as tar:
            raw = _member_bytes(tar, MANIFEST)
            recorded = _member_bytes(tar, MANIFEST_SHA256).decode().strip()
    except (tarfile.TarError, OSError) as err:
        raise BackupError(_("Cannot read the backup archive %(path)s: %(error)s") % {"path": path, "error": err}) \
            from err
    if hashlib.sha256(raw).hexdigest() != recorded:
        raise BackupError(_("The archive's manifest is damaged: it does not match its SHA-256."))
    return Manifest.from_json(raw, expected=expected)


def _member_bytes(tar: tarfile.TarFile, name: str) -> bytes:
    try:
        handle = tar.extractfile(name)
    except KeyError as err:
        raise BackupError(_("The archive has no %(name)s: it is incomplete or not a quytrinh backup.")
                          % {"name": name}) from err
    if handle is None:
        raise BackupError(_("The archive has no %(name)s: it is incomplete or not a quytrinh backup.")
                          % {"name": name})
    return handle.read()


def verify(path: Path) -> Manifest:
    """Check every member against the manifest (content, size, nothing missing, nothing extra);
    returns the manifest, or raises ``BackupError`` listing what is wrong."""
    manifest, problems = check(path)
    if problems:
        raise BackupError(_("The backup archive failed its check: %(problems)s.") % {
            "problems": "; ".join(problems[:20]) + (" …" if len(problems) > 20 else "")})
    return manifest


def check(path: Path, *, expected_format: str = FORMAT) -> tuple[Manifest, list[str]]:
    """The manifest and every member that does not match it (an unreadable manifest raises)."""
    manifest = read_manifest(path, expected=expected_format)
    expected = dict(manifest.members)
    problems: list[str] = []
    with tarfile.open(path, "r:*") as tar:
        for info, handle in _members(tar):
            if info.name in (MANIFEST, MANIFEST_SHA256):
                continue
            wanted = expected.pop(info.name, None)
            if wanted is None:
                problems.append(_("%(name)s is in the archive but not in its manifest") % {"name": info.name})
                continue
            digest, size = hashlib.sha256(), 0
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
            if digest.hexdigest() != wanted["sha256"] or size != wanted["size"]:
                problems.append(_("%(name)s does not match its SHA-256 in the manifest") % {"name": info.name})
    problems.extend(_("%(name)s is missing from the archive") % {"name": name} for name in sorted(expected))
    return manifest, problems


def _members(tar: tarfile.TarFile) -> Iterator[tuple[tarfile.TarInfo, io.BufferedReader]]:
    for info in tar:
        if not info.isfile():
            raise BackupError(_("The archive holds %(name)s, which is not a regular file.") % {"name": info.name})
        handle = tar.extractfile(info)
        if handle is not None:
            yield info, handle  # type: ignore[misc]


def stored_files(path: Path) -> Iterator[tuple[str, bytes]]:
    """(storage name, content) of each stored file in the archive (verified before by ``verify``)."""
    with tarfile.open(path, "r:*") as tar:
        for info, handle in _members(tar):
            if info.name.startswith(FILES_PREFIX):
                yield info.name.removeprefix(FILES_PREFIX), handle.read()


def extract(path: Path, name: str, target: Path) -> Path:
    """Copy one member out of the archive to ``target``."""
    with tarfile.open(path, "r:*") as tar:
        handle = tar.extractfile(name)
        if handle is None:
            raise BackupError(_("The archive has no %(name)s: it is incomplete or not a quytrinh backup.")
                              % {"name": name})
        with target.open("wb") as out:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                out.write(chunk)
    return target
