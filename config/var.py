"""The embedded mode's working folder (``var/``, or ``QUYTRINH_VAR_DIR``): the SQLite database,
the filesystem broker, static files, demo keys. Settings only name it; the entry points create
it (``manage.py``, ``make run``), so importing the settings changes nothing on disk."""

import os
import secrets
from pathlib import Path

VAR_DIR = Path(os.environ.get("QUYTRINH_VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
SECRET_KEY_FILE = VAR_DIR / "secret_key"


def ensure() -> Path:
    """Create the folder (a fresh checkout has none); returns it."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return VAR_DIR


def ensure_secret_key() -> None:
    """Generate the per-checkout secret key of the embedded mode once, readable by its owner only,
    so that the web server's and the worker's processes share it."""
    ensure()
    if not SECRET_KEY_FILE.exists():
        SECRET_KEY_FILE.write_text(secrets.token_urlsafe(50))
        SECRET_KEY_FILE.chmod(0o600)
