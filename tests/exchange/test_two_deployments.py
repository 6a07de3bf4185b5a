"""Two deployments on this machine (two PostgreSQL databases, two gunicorn servers, two Celery workers
on one Redis) exchange a signed document as an edXML packet.

Deployment A is the test's own database (the Vĩnh An demo, codes ``000.25.41.*``); B is another
commune (the same demo, codes ``000.26.41.*``) in a second database, set up with its management
commands. Each has the other as its peer. The test, in order: A sends while B is down and A's
outbox retries; B comes up and the document arrives once, with its procedure; the same packet
posted again files nothing; B's people register and handle it through B's REST API, and A's
deliveries show received, accepted, assigned, being handled, done; a malformed packet from A is
refused by B with a problem and a "02 refused" status packet that reaches A's register, nothing
registered at B. Every packet that crossed is checked against QCVN 102's structure (EDXML.md).
"""

import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import requests
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction

from config.celery import app as celery_app
from exchange import deliveries, peers, sending
from exchange.models import Delivery, InboxPacket, OutboxPacket, Peer

from ..test_server import free_port
from ..test_worker import wait_for
from .helpers import check_document_packet, check_status_packet, outgoing

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent.parent
A_ORGANS = ["000.25.41.A41", "000.25.41.H41"]
B_PARTY = "000.26.41.A41"
B_ORGANS = [B_PARTY, "000.26.41.H41"]
PASSWORD = "quytrinh-demo"


def database_url(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


class Deployment:
    """One deployment's processes: its web server (gunicorn with the shipped settings) and its worker."""

    def __init__(self, name: str, folder: Path, *, database: str, queue: str, retry_seconds: str = "30"):
        self.name, self.folder = name, folder
        self.port = free_port()
        folder.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "DATABASE_URL": database_url(database), "LOG_LEVEL": "INFO",
                    "CELERY_BROKER_URL": settings.CELERY_BROKER_URL, "QUYTRINH_VAR_DIR": str(folder / "var"),
                    "QUYTRINH_FILES_DIR": str(folder / "files"),
                    "DJANGO_SETTINGS_MODULE": "tests.exchange.deployment_settings", "QUYTRINH_TEST_QUEUE": queue,
                    "SECRET_KEY": f"test-{name}", "QUYTRINH_PORT": str(self.port), "QUYTRINH_WEB_WORKERS": "1",
                    "QUYTRINH_EXCHANGE_RETRY_SECONDS": retry_seconds, "QUYTRINH_LOGIN_RATE": "1000/min",
                    "QUYTRINH_TIMER_INTERVAL": "3600"}
        self.processes: list[subprocess.Popen] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args: str, stdin: bytes | None = None, env: dict | None = None) -> str:
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**self.env, **(env or {})},
                              input=stdin, capture_output=True, timeout=600)
        assert done.returncode == 0, done.stdout.decode()[-3000:] + done.stderr.decode()[-3000:]
        return done.stdout.decode()

    def _spawn(self, log: str, *command: str) -> subprocess.Popen:
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=(self.folder / log).open("a"),
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        return process

    def start(self) -> "Deployment":
        self._spawn("worker.log", sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=info",
                    "--concurrency=1", "-n", f"{self.name}-{secrets.token_hex(4)}@%h", "--without-gossip",
                    "--without-mingle", "--without-heartbeat")
        self._spawn("web.log", sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi")
        assert wait_for(lambda: "ready" in self.log("worker.log"), timeout=90), self.log("worker.log")[-3000:]
        assert wait_for(self._answers, timeout=90), self.log("web.log")[-3000:]
        return self

    def _answers(self) -> bool:
        try:
            return requests.get(f"{self.url}/healthz", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def log(self, name: str) -> str:
        path = self.folder / name
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.processes.clear()


class Api:
    """A person of deployment B, through B's REST API."""

    def __init__(self, deployment: Deployment, username: str):
        self.base = f"{deployment.url}/api/v1"
        token = requests.post(f"{self.base}/auth/token/", json={"username": username, "password": PASSWORD},
                              timeout=30)
        assert token.status_code == 201, token.text
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {token.json()['token']}"

    def get(self, path: str, **params):
        answer = self.session.get(f"{self.base}{path}", params=params, timeout=30)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:2000])
        return answer.json()

    def task(self, instance_id: str) -> dict:
        """The one open task of the instance this person has."""
        found = [task for task in self.get("/tasks/", page_size=200)["results"] if task["instance"] == instance_id]
        assert len(found) == 1, found
        return found[0]

    def complete(self, instance_id: str, data: dict) -> dict:
        task = self.task(instance_id)
        answer = self.session.post(f"{self.base}/tasks/{task['id']}/complete/", json={"data": data}, timeout=60)
        assert answer.status_code == 200, (task["bpmn_id"], answer.status_code, answer.text[:2000])
        return answer.json()


@pytest.fixture
def two_deployments(demo, settings, tmp_path, pki, sealed):
    """A (this test's database and files) and B (a database of its own), each the other's peer; B's
    processes are not started: the test starts them when it wants B up."""
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("needs a Redis broker: set CELERY_BROKER_URL (CI does)")
    settings.MEDIA_ROOT = tmp_path / "a" / "files"
    celery_app.control.purge()
    b_database = f"{connection.settings_dict['NAME']}_b"
    admin = connection.settings_dict
    with psycopg.connect(host=admin["HOST"] or "127.0.0.1", port=admin["PORT"] or 5432, user=admin["USER"],
                         dbname="postgres", autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{b_database}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{b_database}"')
    a = Deployment("a", tmp_path / "a", database=connection.settings_dict["NAME"], queue="celery",
                   retry_seconds="1")
    b = Deployment("b", tmp_path / "b", database=b_database, queue=f"exchange-b-{secrets.token_hex(4)}")
    b_accepts, a_accepts = secrets.token_urlsafe(32), secrets.token_urlsafe(32)  # what A and B present

    trust_dir = tmp_path / "trust"
    trust_dir.mkdir()
    (trust_dir / "root.der").write_bytes(pki.root.cert_der)
    (trust_dir / "intermediate.der").write_bytes(pki.intermediate.cert_der)
    for index, crl in enumerate(pki.crls_der):
        (trust_dir / f"crl-{index}.der").write_bytes(crl)
    for command in (("migrate", "-v0"), ("seed_demo", "-v0"), ("seed_documents", "-v0"), ("deploy_processes", "-v0")):
        b.manage(*command)
    output = b.manage("shell", stdin=(Path(__file__).parent / "setup_deployment.py").read_bytes(), env={
        "QUYTRINH_TEST_TRUST_DIR": str(trust_dir), "QUYTRINH_TEST_PEER_NAME": "Xã Vĩnh An (A)",
        "QUYTRINH_TEST_PEER_URL": f"{a.url}/api/v1/exchange/packets/", "QUYTRINH_TEST_PEER_ORGANS": ",".join(A_ORGANS),
        "QUYTRINH_TEST_PEER_OUT_KEY": a_accepts, "QUYTRINH_TEST_PEER_IN_KEY": b_accepts})
    assert "deployment ready" in output

    peer = Peer.objects.create(name="Xã bên (B)", url=f"{b.url}/api/v1/exchange/packets/", organ_ids=B_ORGANS,
                               outbound_credential=b_accepts)
    peers.set_inbound_key(peer, a_accepts)
    try:
        yield a.start(), b, peer
    finally:
        a.stop()
        b.stop()
        connection.close()  # B's database may be dropped only once nobody uses it; A's test database stays
        with psycopg.connect(host=admin["HOST"] or "127.0.0.1", port=admin["PORT"] or 5432, user=admin["USER"],
                             dbname="postgres", autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{b_database}" WITH (FORCE)')


def statuses(delivery: Delivery) -> list[str]:
    return [event.status for event in deliveries.history(delivery)]


def test_two_deployments_exchange_a_signed_document(two_deployments, sealed):
    a, b, peer = two_deployments
    vanthu = User.objects.get(username="vanthu")

    # 1. A sends while B is down: A's worker tries, fails, tries again later
    letter = outgoing(sealed, recipients=((B_PARTY, "Đảng ủy xã bên"),))
    [delivery] = sending.send(letter, actor=vanthu)
    row = delivery.packet
    assert wait_for(lambda: OutboxPacket.objects.get(pk=row.pk).attempts >= 2, timeout=90), a.log("worker.log")[-3000:]
    row.refresh_from_db()
    assert row.state in ("pending", "sending") and row.answer_status is None and peer.name in row.last_error
    assert Delivery.objects.get(pk=delivery.pk).status == "pending"

    # 2. B comes up: the packet is delivered, and B files the document once, with its procedure
    b.start()
    assert wait_for(lambda: OutboxPacket.objects.get(pk=row.pk).state == "delivered", timeout=120), \
        a.log("worker.log")[-3000:] + b.log("web.log")[-3000:]
    row.refresh_from_db()
    assert row.answer_status == 201
    sent = check_document_packet(bytes(row.packet))
    letter.refresh_from_db()
    assert (sent["document_id"], sent["from"], sent["to"]) == (letter.exchange_id, A_ORGANS[0], [B_PARTY])

    b_clerk = Api(b, "vanthu")
    [arrived] = b_clerk.get("/documents/", direction="incoming")["results"]
    assert (arrived["body"], arrived["organ_id"], arrived["code_notation"], arrived["status"]) == (
        "dang_uy_xa", A_ORGANS[0], "CV/ĐU", "received")
    receive = b_clerk.task([t for t in b_clerk.get("/tasks/")["results"]
                            if t["process"] == "incoming_document"][0]["instance"])
    instance_id = receive["instance"]
    assert receive["bpmn_id"] == "receive"
    detail = b_clerk.get(f"/process-instances/{instance_id}/")
    assert detail["data"]["document_id"] == arrived["id"] and detail["data"]["signature_check"]["verdict"] == "valid"

    # 3. the same packet again, as a peer repeats a delivery it was not sure of: nothing is filed twice
    again = requests.post(f"{b.url}/api/v1/exchange/packets/", data=bytes(row.packet), timeout=60, headers={
        "Content-Type": "application/xml", "Authorization": f"Bearer {peer.outbound_credential}"})
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate", again.text
    assert again.json()["documents"] == [{"id": arrived["id"], "body": "dang_uy_xa"}]
    assert b_clerk.get("/documents/", direction="incoming")["count"] == 1

    # B's "01 arrived" reaches A's register the same day
    assert wait_for(lambda: Delivery.objects.get(pk=delivery.pk).status == "received", timeout=60), \
        b.log("worker.log")[-3000:]

    # 4. B's clerk registers it, the Bí thư assigns it, the specialist handles it, the Bí thư closes it
    bithu, chuyenvien = Api(b, "bithu"), Api(b, "chuyenvien")
    b_clerk.complete(instance_id, {"valid": True})
    b_clerk.complete(instance_id, {"urgency": arrived["urgency"], "organ_name": arrived["organ_name"],
                                   "code_number": arrived["code_number"], "code_notation": arrived["code_notation"],
                                   "subject": arrived["subject"]})
    b_clerk.complete(instance_id, {"presented_to": "bithu"})
    bithu.complete(instance_id, {"lead_handler": "chuyenvien", "deadline": "2030-12-06",
                                 "instructions": "Ban Xây dựng Đảng chủ trì"})
    chuyenvien.complete(instance_id, {"outcome": "done", "result_summary": "Đã phối hợp tổ chức"})
    chuyenvien.complete(instance_id, {"report": "Đã tổ chức hội nghị"})
    bithu.complete(instance_id, {"conclusion": "Hoàn thành"})
    assert bithu.get(f"/process-instances/{instance_id}/")["status"] == "completed"
    registered = b_clerk.get(f"/documents/{arrived['id']}/")
    assert registered["arrival_number"] == 1 and registered["status"] == "done"

    # A's register shows how far B got
    assert wait_for(lambda: Delivery.objects.get(pk=delivery.pk).status == "done", timeout=90), \
        b.log("worker.log")[-3000:]
    delivery.refresh_from_db()
    assert statuses(delivery) == ["pending", "delivered", "received", "accepted", "assigned", "processing", "done"]
    reports = [check_status_packet(bytes(kept.packet))
               for kept in InboxPacket.objects.filter(kind="status", outcome="recorded").order_by("received_at")]
    assert [report["code"] for report in reports] == ["01", "03", "04", "05", "06"]
    assert {(report["from"], report["document_id"]) for report in reports} == {(B_PARTY, letter.exchange_id)}

    # 5. a malformed packet from A: refused by B with a problem and a 02 that reaches A; nothing registered at B
    second = outgoing(sealed, number="16", recipients=((B_PARTY, "Đảng ủy xã bên"),))
    with transaction.atomic():
        [broken] = sending.send(second, actor=vanthu)
        packet = bytes(broken.packet.packet)  # as if A's system had written it wrong
        packet = packet.replace(b"<edXML:Subject>", b"<edXML:Subjet>").replace(b"</edXML:Subject>", b"</edXML:Subjet>")
        OutboxPacket.objects.filter(pk=broken.packet_id).update(packet=packet)
    assert wait_for(lambda: OutboxPacket.objects.get(pk=broken.packet_id).state == "failed", timeout=60)
    assert OutboxPacket.objects.get(pk=broken.packet_id).answer_status == 400
    assert wait_for(lambda: Delivery.objects.get(pk=broken.pk).status == "refused", timeout=60), \
        b.log("worker.log")[-3000:]
    broken.refresh_from_db()
    assert "MessageHeader/Subject" in broken.reason
    refusal = check_status_packet(bytes(InboxPacket.objects.get(kind="status", status_code="02").packet))
    assert (refusal["from"], refusal["document_id"]) == (B_PARTY, Delivery.objects.get(pk=broken.pk)
                                                         .document.exchange_id)
    assert b_clerk.get("/documents/", direction="incoming")["count"] == 1
    assert "Traceback" not in a.log("web.log") + b.log("web.log")
