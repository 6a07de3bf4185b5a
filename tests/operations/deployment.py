"""Reading the shipped deployment files the way systemd does, to run their commands on this machine:
the environment file, and each unit's ExecStart with the release path mapped to this checkout."""

import http.client
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
RELEASE = "/opt/quytrinh"


def environment_file(path: Path = DEPLOY / "quytrinh.env") -> dict[str, str]:
    """The variables the file sets (commented ones keep their defaults and are not set)."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            found[name.strip()] = value.strip()
    return found


def documented_variables(path: Path = DEPLOY / "quytrinh.env") -> set[str]:
    """Every variable the file names, set or commented out."""
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", path.read_text(), flags=re.MULTILINE))


def unit_command(unit: str) -> list[str]:
    """The unit's ExecStart as an argument list for this checkout: the release's virtualenv is this
    one, systemd's %H specifier this host's name."""
    text = (DEPLOY / "systemd" / unit).read_text()
    line = next(line for line in text.splitlines() if line.startswith("ExecStart="))
    command = line.removeprefix("ExecStart=").replace("%H", socket.gethostname()).replace("%%", "%")
    argv = shlex.split(command)
    venv_bin = str(Path(sys.executable).parent)
    return [arg.replace(f"{RELEASE}/.venv/bin", venv_bin) for arg in argv]


def unit_setting(unit: str, name: str) -> str:
    text = (DEPLOY / "systemd" / unit).read_text()
    return next(line.split("=", 1)[1] for line in text.splitlines() if line.startswith(f"{name}="))


class Service:
    """A long-running process of the deployment in its own process group, its output in a log file."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path):
        self.argv, self.env, self.log = argv, env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> "Service":
        self.process = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=self.log.open("ab"),
                                        stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.running():
            assert self.process is not None
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(condition, timeout: float = 60.0, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, *, host: str = "quytrinh.example.gov.vn", headers: dict | None = None,
        method: str = "GET",
        body: bytes | None = None) -> tuple[int, dict, bytes]:
    """One request as nginx would forward it (HTTPS, the site's name); (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers={"Host": host, "X-Forwarded-Proto": "https", **(headers or {})})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()
