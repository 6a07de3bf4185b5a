"""Object-level authorisation: every object endpoint against people who must not reach the object
(another body, another cell, anonymous) — zero leaks, and each denial on record; a finished
participant reads what they took part in, on record, and can do nothing more. Every id-bearing
operation of the OpenAPI schema must appear here."""

import pytest
from django.contrib.auth.models import User
from drf_spectacular.generators import SchemaGenerator

from directory.models import Body
from engine.models import AuditEvent, Notification, ProcessInstance, Task

from ..directory.helpers import hold, person, post
from .test_flow import REGISTER, complete, open_task

OBJECT_OPERATIONS = [
    ("get", "/api/v1/process-instances/{id}/", "instance"),
    ("get", "/api/v1/process-instances/{id}/events/", "instance"),
    ("get", "/api/v1/process-instances/{id}/diagram/", "instance"),
    ("post", "/api/v1/process-instances/{id}/suspend/", "instance"),
    ("post", "/api/v1/process-instances/{id}/resume/", "instance"),
    ("post", "/api/v1/process-instances/{id}/cancel/", "instance"),
    ("post", "/api/v1/process-instances/{id}/migrate/", "instance"),
    ("get", "/api/v1/tasks/{id}/", "task"),
    ("post", "/api/v1/tasks/{id}/claim/", "task"),
    ("post", "/api/v1/tasks/{id}/unclaim/", "task"),
    ("post", "/api/v1/tasks/{id}/complete/", "task"),
    ("put", "/api/v1/tasks/{id}/draft/", "task"),
    ("post", "/api/v1/tasks/{id}/reassign/", "task"),
    ("get", "/api/v1/tasks/{id}/people/", "task"),
    # Signing a task's document: 404 before the body is read, for a task the caller does not act on;
    # a signing step's own cases (its other signer, a non-signing task) are in tests/api/test_sign_step.py.
    ("post", "/api/v1/tasks/{id}/sign/", "task"),
    ("post", "/api/v1/tasks/{id}/sign/prepare/", "task"),
    ("post", "/api/v1/tasks/{id}/sign/complete/", "task"),
    ("post", "/api/v1/incidents/{id}/retry/", "incident"),
    ("post", "/api/v1/notifications/{id}/read/", "notification"),
    ("post", "/api/v1/process-definitions/{key}/start/", "definition"),
    # Signing objects belong to people, not to this instance: their BOLA cases are in tests/signing/test_api.py.
    ("get", "/api/v1/signing/verifications/{id}/", "signing"),
    ("get", "/api/v1/signing/files/{id}/", "signing"),
    ("get", "/api/v1/signing/files/{id}/content/", "signing"),
    ("get", "/api/v1/signing/requests/{id}/", "signing"),
    ("post", "/api/v1/signing/requests/{id}/complete/", "signing"),
    # Documents and registers belong to bodies: tests/documents/test_confidentiality.py walks them with
    # the people of another body and every confidentiality level.
    ("get", "/api/v1/documents/{id}/", "document"),
    ("get", "/api/v1/documents/{id}/files/", "document"),
    ("get", "/api/v1/documents/{id}/content/", "document"),
    ("get", "/api/v1/documents/{id}/links/", "document"),
    ("get", "/api/v1/documents/{id}/grants/", "document"),
    ("post", "/api/v1/documents/{id}/grants/", "document"),
    ("post", "/api/v1/document-grants/{id}/revoke/", "document"),
    ("get", "/api/v1/registers/{id}/", "document"),
    ("get", "/api/v1/registers/{id}/entries/", "document"),
    ("get", "/api/v1/registers/{id}/report/", "document"),
    ("get", "/api/v1/documents/{id}/deliveries/", "document"),
    # Recall (S08): its 404/403/409 cases are in tests/outgoing/test_recall.py (and the matrix of who sees a
    # recalled copy there).
    ("post", "/api/v1/documents/{id}/recall/", "document"),
    # A draft's versions: the drafter's alone to make; its cases are in tests/outgoing/test_versions_api.py.
    ("get", "/api/v1/documents/{id}/versions/", "document"),
    ("post", "/api/v1/documents/{id}/versions/", "document"),
    # The exchange's outbox is for process administrators: its cases are in tests/exchange/test_api.py.
    ("post", "/api/v1/exchange/outbox/{id}/retry/", "exchange"),
]
#: The operations without an id: none of them answers an anonymous caller; who among the signed-in may
#: use them is in their own tests (e.g. the recipients a draft may name: tests/api/test_organs.py).
COLLECTION_OPERATIONS = [
    ("delete", "/api/v1/auth/token/"),
    ("get", "/api/v1/process-definitions/"),
    ("post", "/api/v1/process-definitions/"),
    ("get", "/api/v1/process-instances/"),
    ("get", "/api/v1/tasks/"),
    ("get", "/api/v1/incidents/"),
    ("get", "/api/v1/notifications/"),
    ("post", "/api/v1/messages/"),
    ("get", "/api/v1/documents/"),
    ("get", "/api/v1/registers/"),
    ("get", "/api/v1/organs/"),
    ("get", "/api/v1/signing/certificates/"),
    ("post", "/api/v1/signing/files/"),
    ("post", "/api/v1/signing/requests/"),
    ("post", "/api/v1/signing/verifications/"),
    ("get", "/api/v1/exchange/outbox/"),
    ("post", "/api/v1/exchange/packets/"),  # for peers, with their key
]
SIGN_IN = ("post", "/api/v1/auth/token/")
SIGNING_ID = "00000000-0000-4000-8000-000000000001"
BODIES = {"reason": "thử", "version": 1, "data": {"valid": True}, "assignee": None}


def test_every_object_operation_of_the_schema_is_in_the_matrix():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    with_ids = {(method, path) for path, item in schema["paths"].items() if "{" in path
                for method in item if method in ("get", "post", "put", "patch", "delete")}
    assert with_ids == {(method, path) for method, path, _kind in OBJECT_OPERATIONS}
    without = {(method, path) for path, item in schema["paths"].items() if "{" not in path
               for method in item if method in ("get", "post", "put", "patch", "delete")}
    assert without == {*COLLECTION_OPERATIONS, SIGN_IN}


@pytest.fixture
def world(client_of):
    """A document of the Party Committee being handled by chuyenvien, the clerk's part done;
    and a process of cell 2 (started by the administrator)."""
    vanthu, bithu, chuyenvien = client_of("vanthu"), client_of("bithu"), client_of("chuyenvien")
    instance = vanthu.post("/api/v1/process-definitions/incoming_document/start/", {"data": {}}, format="json").json()
    complete(vanthu, open_task(vanthu, instance["id"]), {"valid": True})
    complete(vanthu, open_task(vanthu, instance["id"]), REGISTER)
    complete(vanthu, open_task(vanthu, instance["id"]), {"presented_to": "bithu"})
    complete(bithu, open_task(bithu, instance["id"]), {"lead_handler": "chuyenvien", "deadline": "2030-12-06"})
    handle = open_task(chuyenvien, instance["id"])
    # cell 2's own clerk (the demo has none): a process nobody in the cell could work is refused
    hold(person("vanthuchibo2"), post(Body.objects.get(code="chi_bo_02"), "Văn thư Chi bộ 2",
                                      ("van_thu", Body.objects.get(code="chi_bo_02"))))
    cell = client_of("admin").post("/api/v1/process-definitions/incoming_document/start/",
                                   {"data": {}, "body": "chi_bo_02"}, format="json").json()
    cell_task = Task.objects.get(instance_id=cell["id"], status="open")
    notices = [Notification.objects.create(user=User.objects.get(username=username), instance_id=instance_id,
                                           kind="reminder", message="Sắp đến hạn xử lý")
               for username, instance_id in (("chuyenvien", instance["id"]), ("admin", cell["id"]))]
    return {"instance": instance["id"], "task": handle["id"], "cell_instance": cell["id"],
            "cell_task": str(cell_task.pk),
            "notification": notices[0].pk, "cell_notification": notices[1].pk}


OUTSIDERS = [
    ("vanthuubnd", "party"),   # the People's Committee's clerk: another body
    ("tuphap", "party"),       # a specialist of another body
    ("bithuchibo1", "cell"),   # cell 1's secretary, for cell 2's process
    ("chuyenvien", "cell"),    # a Party specialist, for cell 2's process
]


@pytest.mark.parametrize(("username", "target"), OUTSIDERS)
def test_outsiders_reach_nothing(client_of, world, username, target):
    client = client_of(username)
    instance_id = world["instance"] if target == "party" else world["cell_instance"]
    task_id = world["task"] if target == "party" else world["cell_task"]
    before = ProcessInstance.objects.values("state", "revision", "status").get(pk=instance_id)
    denials = AuditEvent.objects.filter(stream="access").count()
    notice_id = world["notification"] if target == "party" else world["cell_notification"]
    ids = {"instance": instance_id, "task": task_id, "incident": 1, "notification": notice_id}
    checked = 0
    for method, path, kind in OBJECT_OPERATIONS:
        if kind in ("definition", "signing", "document", "exchange"):
            continue
        response = getattr(client, method)(path.format(id=ids[kind]), None if method == "get" else BODIES,
                                           format="json")
        assert response.status_code == 404 if kind != "incident" else response.status_code in (403, 404), (
            method, path, response.status_code, response.content)
        checked += 1
    assert ProcessInstance.objects.values("state", "revision", "status").get(pk=instance_id) == before
    assert Notification.objects.get(pk=notice_id).read_at is None
    assert AuditEvent.objects.filter(stream="access").count() == denials + checked
    listed = {t["id"] for t in client.get("/api/v1/tasks/?page_size=200").json()["results"]}
    assert task_id not in listed
    listed = {i["id"] for i in client.get("/api/v1/process-instances/?page_size=200").json()["results"]}
    assert instance_id not in listed


def test_a_finished_participant_reads_what_they_did_and_does_nothing_more(client_of, world):
    # the clerk received, registered and presented the document: her part is done
    vanthu, instance_id = client_of("vanthu"), world["instance"]
    before = ProcessInstance.objects.values("state", "revision", "status").get(pk=instance_id)
    reads = AuditEvent.objects.filter(stream="access", action="instance_read").count()
    denials = AuditEvent.objects.filter(stream="access", action="access_denied").count()

    # she reads the process, its history and its diagram, each read on record
    detail = vanthu.get(f"/api/v1/process-instances/{instance_id}/").json()
    assert detail["data"]["presented_to"] == "bithu"
    assert vanthu.get(f"/api/v1/process-instances/{instance_id}/events/").status_code == 200
    assert vanthu.get(f"/api/v1/process-instances/{instance_id}/diagram/").status_code == 200
    assert AuditEvent.objects.filter(stream="access", action="instance_read").count() == reads + 3
    assert instance_id in {i["id"] for i in vanthu.get("/api/v1/process-instances/?page_size=200").json()["results"]}

    # and changes nothing: the process's repairs are refused, the specialist's task stays out of reach
    checked = 0
    for method, path, kind in OBJECT_OPERATIONS:
        if kind not in ("instance", "task") or method == "get" and kind == "instance":
            continue
        target = instance_id if kind == "instance" else world["task"]
        response = getattr(vanthu, method)(path.format(id=target), None if method == "get" else BODIES, format="json")
        assert response.status_code == (403 if kind == "instance" else 404), (method, path, response.status_code)
        checked += 1
    assert ProcessInstance.objects.values("state", "revision", "status").get(pk=instance_id) == before
    assert AuditEvent.objects.filter(stream="access", action="access_denied").count() == denials + checked
    assert world["task"] not in {t["id"] for t in vanthu.get("/api/v1/tasks/?page_size=200").json()["results"]}


def test_anonymous_reaches_nothing(anonymous, world):
    for method, path, kind in OBJECT_OPERATIONS:
        target = {"instance": world["instance"], "task": world["task"], "incident": 1,
                  "definition": "incoming_document",
                  "signing": SIGNING_ID, "notification": world["notification"], "document": SIGNING_ID,
                  "exchange": SIGNING_ID}
        url = path.format(id=target[kind], key=target["definition"])
        body = None if method == "get" else BODIES
        assert getattr(anonymous, method)(url, body, format="json").status_code == 401, (method, path)


def test_anonymous_reaches_no_collection(demo, anonymous):
    denials = AuditEvent.objects.filter(stream="access", action="access_denied", after__status=401).count()
    for method, path in COLLECTION_OPERATIONS:
        response = getattr(anonymous, method)(path, None if method == "get" else BODIES, format="json")
        assert response.status_code == 401, (method, path, response.status_code)
        assert response["Content-Type"] == "application/problem+json", (method, path)
    assert AuditEvent.objects.filter(stream="access", action="access_denied", after__status=401).count() == (
        denials + len(COLLECTION_OPERATIONS))


def test_participants_who_may_not_administer_get_403(client_of, world):
    chuyenvien = client_of("chuyenvien")  # can see the instance: the handling task is theirs
    assert chuyenvien.get(f"/api/v1/process-instances/{world['instance']}/").status_code == 200
    for action in ("suspend", "cancel", "migrate"):
        response = chuyenvien.post(f"/api/v1/process-instances/{world['instance']}/{action}/", BODIES, format="json")
        assert response.status_code == 403, action
    assert chuyenvien.post(f"/api/v1/tasks/{world['task']}/reassign/", BODIES, format="json").status_code == 403
    assert chuyenvien.get("/api/v1/incidents/").status_code == 403
    # Only a clerk (the role of the start event's lane) registers incoming documents.
    assert client_of("tuphap").post("/api/v1/process-definitions/incoming_document/start/", {},
                                    format="json").status_code == 403


def test_a_process_administrator_sees_the_process_but_not_its_data(client_of, world):
    detail = client_of("admin").get(f"/api/v1/process-instances/{world['instance']}/").json()
    assert detail["status"] == "running" and detail["data"] is None
    assert client_of("bithu").get(f"/api/v1/process-instances/{world['instance']}/").json()["data"]["valid"] is True
