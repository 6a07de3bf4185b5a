"""The database at one instant, and back: PostgreSQL through ``pg_dump``/``pg_restore``, SQLite
through its online backup API.

On PostgreSQL the dump runs in a snapshot exported by a read-only REPEATABLE READ transaction,
and the list of stored files is read in that same transaction, so the archive's files are exactly
those its database refers to, whatever is written meanwhile. On SQLite the list is read from the
copy itself.
"""

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.db import connections
from django.utils.translation import gettext as _
from psycopg import conninfo, sql

from documents.models import Blob, Document, NumberEntry
from engine.models import AuditEvent, Job, ProcessInstance

from .exceptions import BackupError, NotEmpty

#: Rows counted into the manifest and the restore's report: what an administrator recognises.
COUNTED = {
    "process_instances": ProcessInstance._meta.db_table,
    "documents": Document._meta.db_table,
    "register_numbers": NumberEntry._meta.db_table,
    "stored_files": Blob._meta.db_table,
    "audit_events": AuditEvent._meta.db_table,
    "jobs": Job._meta.db_table,
}


@dataclass
class Snapshot:
    """A dumped database and what was read in the same instant."""

    path: Path
    member: str
    info: dict
    files: list[tuple[str, str, int]]  # sha256, storage name, size
    migrations: dict[str, list[str]]
    counts: dict[str, int]


def vendor(alias: str = "default") -> str:
    return connections[alias].vendor


@contextmanager
def dump(directory: Path, alias: str = "default") -> Iterator[Snapshot]:
    """Dump the database into ``directory``; the snapshot is valid inside the ``with``."""
    if vendor(alias) == "postgresql":
        yield _dump_postgres(directory, alias)
    elif vendor(alias) == "sqlite":
        yield _dump_sqlite(directory, alias)
    else:
        raise BackupError(_("Backups support PostgreSQL and SQLite, not %(vendor)s.") % {"vendor": vendor(alias)})


def _read_snapshot(execute) -> tuple[list, dict, dict]:
    """Stored files, applied migrations and counts, through ``execute(sql) -> rows``."""
    files = [tuple(row) for row in execute(f"SELECT sha256, storage_name, size FROM {Blob._meta.db_table} "
                                           "ORDER BY sha256")]
    migrations: dict[str, list[str]] = {}
    for app, name in execute("SELECT app, name FROM django_migrations ORDER BY id"):
        migrations.setdefault(app, []).append(name)
    counts = {key: execute(f"SELECT count(*) FROM {table}")[0][0] for key, table in COUNTED.items()}
    return files, migrations, counts


# --- PostgreSQL ------------------------------------------------------------------------------

def _pg_settings(alias: str) -> dict:
    return connections[alias].settings_dict


def pg_environment(alias: str = "default", *, dbname: str | None = None) -> dict[str, str]:
    """libpq's environment for the client programs and psycopg: the password never on a command line."""
    db = _pg_settings(alias)
    env = {**os.environ, "PGDATABASE": dbname or db["NAME"], "PGHOST": db.get("HOST") or "",
           "PGPORT": str(db.get("PORT") or ""), "PGUSER": db.get("USER") or "", "PGPASSWORD": db.get("PASSWORD") or ""}
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return {key: value for key, value in env.items() if value != "" or not key.startswith("PG")}


def _pg_connect(alias: str, *, dbname: str | None = None, autocommit: bool = False) -> psycopg.Connection:
    env = pg_environment(alias, dbname=dbname)
    params = {"dbname": env["PGDATABASE"], "host": env.get("PGHOST"), "port": env.get("PGPORT"),
              "user": env.get("PGUSER"), "password": env.get("PGPASSWORD"), "sslmode": env.get("PGSSLMODE")}
    return psycopg.connect(conninfo.make_conninfo(**{k: v for k, v in params.items() if v}), autocommit=autocommit)


def _run(command: list[str], env: dict[str, str]) -> None:
    program = shutil.which(command[0])
    if program is None:
        raise BackupError(_("%(program)s is not installed: install the PostgreSQL client programs "
                            "(apt-get install postgresql-client).") % {"program": command[0]})
    done = subprocess.run([program, *command[1:]], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(_("%(program)s failed: %(error)s") % {"program": command[0],
                                                                "error": done.stderr.strip()[-2000:]})


def _dump_postgres(directory: Path, alias: str) -> Snapshot:
    path = directory / "database.pgdump"
    with _pg_connect(alias) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
        server = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-acl", f"--snapshot={snapshot}",
              f"--file={path}"], pg_environment(alias))
        files, migrations, counts = _read_snapshot(lambda query: conn.execute(query).fetchall())
        conn.rollback()
    return Snapshot(path, path.name, {"vendor": "postgresql", "server_version": server}, files, migrations, counts)


def _pg_tables(alias: str) -> int | None:
    """How many tables the database has, or None if it does not exist."""
    try:
        with _pg_connect(alias) as conn:
            return conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname NOT IN "
                                "('pg_catalog', 'information_schema')").fetchone()[0]  # type: ignore[index]
    except psycopg.OperationalError as err:
        if "does not exist" in str(err):
            return None
        raise BackupError(_("Cannot connect to the database: %(error)s") % {"error": err}) from err


def _load_postgres(path: Path, alias: str, *, replace: bool) -> None:
    name = _pg_settings(alias)["NAME"]
    tables = _pg_tables(alias)
    if tables is None:
        with _pg_connect(alias, dbname="postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    elif tables and replace:
        with _pg_connect(alias, autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
    _run(["pg_restore", "--no-owner", "--no-acl", "--single-transaction", "--exit-on-error", f"--dbname={name}",
          str(path)], pg_environment(alias))


# --- SQLite ----------------------------------------------------------------------------------

def _sqlite_path(alias: str) -> Path:
    return Path(connections[alias].settings_dict["NAME"])


def _dump_sqlite(directory: Path, alias: str) -> Snapshot:
    path = directory / "database.sqlite3"
    source = sqlite3.connect(_sqlite_path(alias))
    copy = sqlite3.connect(path)
    try:
        source.backup(copy)  # the online backup API: one consistent copy while others write
        files, migrations, counts = _read_snapshot(lambda query: copy.execute(query).fetchall())
    finally:
        copy.close()
        source.close()
    return Snapshot(path, path.name, {"vendor": "sqlite", "server_version": sqlite3.sqlite_version}, files,
                    migrations, counts)


def _sqlite_tables(alias: str) -> int | None:
    path = _sqlite_path(alias)
    if not path.exists():
        return None
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]


def _load_sqlite(path: Path, alias: str, *, replace: bool) -> None:
    target = _sqlite_path(alias)
    if replace:
        for leftover in (target, target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
            leftover.unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    source, copy = sqlite3.connect(path), sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


# --- Either ----------------------------------------------------------------------------------

def tables(alias: str = "default") -> int | None:
    """How many tables the target database holds (None: it does not exist yet)."""
    connections[alias].close()
    return _pg_tables(alias) if vendor(alias) == "postgresql" else _sqlite_tables(alias)


def load(path: Path, database: dict, alias: str = "default", *, replace: bool) -> None:
    """Replace the (empty, or with ``replace`` any) target database by the dumped one."""
    if database.get("vendor") != vendor(alias):
        raise BackupError(_("The backup holds a %(archive)s database; this server is configured for %(here)s.")
                          % {"archive": database.get("vendor"), "here": vendor(alias)})
    if not replace and tables(alias):
        raise NotEmpty()
    connections[alias].close()
    if vendor(alias) == "postgresql":
        _load_postgres(path, alias, replace=replace)
    else:
        _load_sqlite(path, alias, replace=replace)
    connections[alias].close()
