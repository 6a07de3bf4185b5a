"""pyHanko imports DSA names that ``cryptography`` deprecates; the warning it prints on every run
(``manage.py``, workers, tests) says nothing about this project, which never uses DSA. It is
silenced where the signing package loads, for that module only (issue 11, point 9)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_python(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "default"}  # every warning shown, as a fresh interpreter would
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_manage_py_check_is_quiet():
    run = run_python("manage.py", "check")

    assert run.returncode == 0, run.stderr
    assert "CryptographyDeprecationWarning" not in run.stderr, run.stderr
    assert "DSA is deprecated" not in run.stderr


def test_only_pyhankos_dsa_import_is_silenced():
    script = (
        "import django, warnings\n"
        "django.setup()\n"
        "import signing.sign  # imports pyHanko's signers\n"
        "from cryptography.utils import CryptographyDeprecationWarning\n"
        "warnings.warn(CryptographyDeprecationWarning('another deprecation, still shown'))\n"
    )

    run = run_python("-c", script)

    assert run.returncode == 0, run.stderr
    assert "DSA is deprecated" not in run.stderr
    assert "another deprecation, still shown" in run.stderr
