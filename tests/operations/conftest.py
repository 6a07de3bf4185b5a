"""Fixtures for the operations tests: the signing fixtures (a signed PDF for the populated server of
``operations.sample``), and ``manage`` to run a command as an administrator would, in its own
process against the test database."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from ..signing.conftest import (  # noqa: F401 - the signing fixtures: a test PKI, its trust list, a sealed PDF
    key_dir,
    party_document,
    pki,
    register,
    sealed,
    signing_settings,
    trusted,
)

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def manage(tmp_path):
    """``manage("backup", "--output", path, DATABASE_URL=…)`` -> the finished process (stdout, stderr)."""

    def run(*args, **env) -> subprocess.CompletedProcess:
        environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": database_url(),
                       "QUYTRINH_VAR_DIR": str(tmp_path / "var"), "SECRET_KEY": "operations-tests",
                       **{key: str(value) for key, value in env.items()}}
        return subprocess.run([sys.executable, "manage.py", *map(str, args)], cwd=ROOT, env=environment,
                              capture_output=True, text=True, timeout=300, check=False)

    return run
