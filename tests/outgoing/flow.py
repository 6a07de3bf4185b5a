"""Driving the outgoing procedure in tests the way people do: through the REST API, task by task;
the signing steps through ``POST /api/v1/tasks/{id}/sign/`` with the keys of the test PKI, and
background jobs run the way a worker runs them (``engine.jobs.run``)."""

from django.contrib.auth import get_user_model

from documents.models import Document
from engine import jobs
from engine.models import Job, JobStatus, Task, TaskStatus
from signing.models import SigningCertificate

from ..signing.conftest import P12_PASSWORD

START = "/api/v1/process-definitions/outgoing_document/start/"

PLAN = {
    "document_type": "ke_hoach", "subject": "Kế hoạch triển khai Quy định 339-QĐ/TW",
    "body_text": ("Thực hiện Quy định số 339-QĐ/TW của Bộ Chính trị, Ban Thường vụ Đảng ủy xã xây dựng kế hoạch "
                  "triển khai như sau.\n\nI. MỤC ĐÍCH, YÊU CẦU\n\nBảo đảm mọi đảng viên nắm vững nội dung Quy định."),
    "number_text": "Số: 05/KH-ĐU", "signature_block": "T/M BAN THƯỜNG VỤ\nPHÓ BÍ THƯ", "urgency": "thuong",
}


def start(client, data=None, *, body="dang_uy_xa", expected=201) -> dict:
    response = client.post(START, {"data": data or {}, "body": body}, format="json")
    assert response.status_code == expected, response.content
    return response.json()


def open_task(instance_id, bpmn_id) -> Task:
    return Task.objects.get(instance_id=instance_id, bpmn_id=bpmn_id, status=TaskStatus.OPEN)


def complete(client, instance_id, bpmn_id, data, expected=200) -> dict:
    task = open_task(instance_id, bpmn_id)
    response = client.post(f"/api/v1/tasks/{task.pk}/complete/", {"data": data}, format="json")
    assert response.status_code == expected, response.content
    return response.json()


def sign(client, instance_id, bpmn_id, certificate: SigningCertificate, expected=200) -> dict:
    task = open_task(instance_id, bpmn_id)
    response = client.post(f"/api/v1/tasks/{task.pk}/sign/", {"certificate": certificate.pk, "secret": P12_PASSWORD},
                           format="json")
    assert response.status_code == expected, response.content
    return response.json()


def run_jobs(instance_id) -> int:
    """Run the instance's pending background jobs as a worker would; how many ran."""
    ran = 0
    while (job := Job.objects.filter(instance_id=instance_id, status=JobStatus.PENDING).order_by("pk").first()):
        jobs.run(job.pk)
        ran += 1
    return ran


def document_of(instance_id) -> Document:
    return Document.objects.get(processes__instance_id=instance_id)


def certificates(register) -> dict[str, SigningCertificate]:
    """The demo's signers with their test PKI keys: the people by username, the bodies by code."""
    users = {user.username: user for user in get_user_model().objects.filter(
        username__in=["bithu", "phobithu", "chutich", "phochutich"])}
    return {
        "bithu": register("bi_thu", user=users["bithu"]),
        "phobithu": register("pho_bi_thu", user=users["phobithu"]),
        "chutich": register("chu_tich", user=users["chutich"]),
        "phochutich": register("pho_chu_tich", user=users["phochutich"]),
        "dang_uy_xa": register("dang_uy", body="dang_uy_xa"),
        "ubnd_xa": register("ubnd", body="ubnd_xa"),
    }


def listed_task(client, instance_id: str, bpmn_id: str) -> dict:
    """The instance's open task ``bpmn_id`` as the person's worklist lists it (one, else the test fails)."""
    found = [t for t in client.get("/api/v1/tasks/?page_size=200").json()["results"]
             if t["instance"] == instance_id and t["bpmn_id"] == bpmn_id]
    assert len(found) == 1, (bpmn_id, found)
    return found[0]


def complete_listed(client, instance_id: str, bpmn_id: str, data: dict) -> None:
    """Complete the task the person finds in their worklist (an incoming copy's steps)."""
    task = listed_task(client, instance_id, bpmn_id)
    answer = client.post(f"/api/v1/tasks/{task['id']}/complete/", {"data": data}, format="json")
    assert answer.status_code == 200, (bpmn_id, answer.content)
