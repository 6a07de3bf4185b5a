"""The incoming-document procedure driven end to end through the API by the right people."""

from engine import audit
from engine.models import ProcessInstance

REGISTER = {"urgency": "khan", "organ_name": "Tỉnh ủy", "code_number": "132", "code_notation": "CV/TU",
            "subject": "V/v triển khai ứng dụng Sổ tay đảng viên điện tử"}


def open_task(client, instance_id=None):
    tasks = client.get("/api/v1/tasks/").json()["results"]
    if instance_id:
        tasks = [t for t in tasks if t["instance"] == instance_id]
    assert len(tasks) == 1, tasks
    return tasks[0]


def complete(client, task, data, expected=200):
    response = client.post(f"/api/v1/tasks/{task['id']}/complete/", {"data": data}, format="json")
    assert response.status_code == expected, response.content
    return response


def test_incoming_document_through_the_api(client_of):
    vanthu, bithu = client_of("vanthu"), client_of("bithu")
    chuyenvien, chuyenvien2 = client_of("chuyenvien"), client_of("chuyenvien2")

    started = vanthu.post("/api/v1/process-definitions/incoming_document/start/",
                          {"data": {"subject": "Công văn 132-CV/TU"}, "business_key": "132-CV/TU"}, format="json")
    assert started.status_code == 201, started.content
    instance = started.json()
    assert (instance["process"], instance["body"], instance["status"]) == ("incoming_document", "dang_uy_xa", "running")
    [step] = instance["active_steps"]
    assert step["bpmn_id"] == "receive"

    receive = open_task(vanthu, instance["id"])
    detail = vanthu.get(f"/api/v1/tasks/{receive['id']}/").json()
    assert detail["form"]["key"] == "incoming_receive"
    assert detail["form"]["ui"]["fields"]["valid"]["label"].startswith("Văn bản hợp lệ")
    done = complete(vanthu, receive, {"valid": True}).json()
    assert [t["bpmn_id"] for t in done["next_tasks"]] == ["register"]  # what is next for the caller
    complete(vanthu, open_task(vanthu, instance["id"]), REGISTER)
    complete(vanthu, open_task(vanthu, instance["id"]), {"presented_to": "bithu"})
    assert vanthu.get("/api/v1/tasks/").json()["count"] == 0  # the work has left the clerk

    assign = open_task(bithu, instance["id"])
    assert (assign["bpmn_id"], assign["assignee"], assign["priority"]) == ("assign", "bithu", 1)
    complete(bithu, assign, {"lead_handler": "chuyenvien", "co_handlers": ["chuyenvien2"], "deadline": "2030-12-06",
                             "instructions": "Ban Xây dựng Đảng chủ trì"})
    handle = open_task(chuyenvien, instance["id"])
    assert handle["due_at"].startswith("2030-12-06T17:00:00")
    cooperate = open_task(chuyenvien2, instance["id"])  # the co-handler has a task of her own
    assert (cooperate["bpmn_id"], cooperate["assignee"]) == ("cooperate", "chuyenvien2")
    complete(chuyenvien2, cooperate, {"opinion": "Đề nghị bổ sung số liệu"})
    complete(chuyenvien, handle, {"outcome": "reassign", "reassign_reason": "Không thuộc lĩnh vực"})
    complete(bithu, open_task(bithu, instance["id"]), {"lead_handler": "chuyenvien2", "deadline": "2030-12-09"})
    complete(chuyenvien2, open_task(chuyenvien2, instance["id"]), {"outcome": "done", "result_summary": "Đã xử lý"})
    complete(chuyenvien2, open_task(chuyenvien2, instance["id"]), {"report": "Đã trả lời bằng 15-CV/ĐU"})
    complete(bithu, open_task(bithu, instance["id"]), {"conclusion": "Hoàn thành"})

    final = bithu.get(f"/api/v1/process-instances/{instance['id']}/").json()  # the leader supervises
    assert final["status"] == "completed"
    assert [s["bpmn_id"] for s in final["completed_steps"]] == ["receive", "register", "present", "assign", "cooperate",
                                                               "handle", "reassign", "handle", "report", "close"]
    assert final["data"]["arrival_number"] == 1 and final["data"]["report"] == "Đã trả lời bằng 15-CV/ĐU"
    events = bithu.get(f"/api/v1/process-instances/{instance['id']}/events/?page_size=100").json()["results"]
    assert [e["action"] for e in events][:3] == ["instance_started", "document_received", "task_created"]
    assert events[-1]["action"] == "instance_completed"
    diagram = bithu.get(f"/api/v1/process-instances/{instance['id']}/diagram/").json()
    assert 'id="incoming_document"' in diagram["bpmn"] and diagram["states"]["close"] == "completed"
    assert ProcessInstance.objects.get(pk=instance["id"]).revision == 11
    assert audit.verify() == []


def test_the_worklist_filters_and_orders(client_of):
    vanthu = client_of("vanthu")
    for number, urgency in enumerate(("thuong", "thuong_khan", "khan"), start=1):
        started = vanthu.post("/api/v1/process-definitions/incoming_document/start/", {"data": {}}, format="json")
        instance_id = started.json()["id"]
        complete(vanthu, open_task(vanthu, instance_id), {"valid": True})
        complete(vanthu, open_task(vanthu, instance_id), {**REGISTER, "urgency": urgency, "code_number": str(number)})
    by_priority = vanthu.get("/api/v1/tasks/?ordering=priority").json()["results"]
    assert [t["priority"] for t in by_priority] == [2, 1, 0]
    assert vanthu.get("/api/v1/tasks/?priority=2").json()["count"] == 1
    assert vanthu.get("/api/v1/tasks/?scope=mine").json()["count"] == 0
    assert vanthu.get("/api/v1/tasks/?scope=group&process=incoming_document").json()["count"] == 3
    assert vanthu.get("/api/v1/tasks/?scope=nobody").status_code == 400
    claimed = vanthu.post(f"/api/v1/tasks/{by_priority[0]['id']}/claim/")
    assert claimed.status_code == 200 and claimed.json()["assignee"] == "vanthu"
    assert vanthu.get("/api/v1/tasks/?scope=mine").json()["count"] == 1
    assert client_of("chuyenvien").post(f"/api/v1/tasks/{by_priority[1]['id']}/claim/").status_code == 404
