"""The answer to ``complete`` is built from what the step stored, not read back: it must say exactly
what a fresh read says, for the completed task and for every task it lists as next."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from api.models import ApiToken
from tests.bpmn_helpers import lane, lanes, process

#: start → split → a, b (parallel, the staff role) → join → c, assigned by username → end
PARALLEL = process("""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="split"/>
    <bpmn:parallelGateway id="split"/>
    <bpmn:sequenceFlow id="fa" sourceRef="split" targetRef="a"/>
    <bpmn:sequenceFlow id="fb" sourceRef="split" targetRef="b"/>
    <bpmn:userTask id="a" name="Việc A"/>
    <bpmn:userTask id="b" name="Việc B"/>
    <bpmn:sequenceFlow id="fa2" sourceRef="a" targetRef="join"/>
    <bpmn:sequenceFlow id="fb2" sourceRef="b" targetRef="join"/>
    <bpmn:parallelGateway id="join"/>
    <bpmn:sequenceFlow id="f2" sourceRef="join" targetRef="c"/>
    <bpmn:userTask id="c" name="Việc C">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="assignee" value="handler"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f3" sourceRef="c" targetRef="end"/>
    <bpmn:endEvent id="end"/>""", "parallel", lanes(lane("staff", "a", "b", "c")))


@pytest.fixture
def staff(make_user, deploy_bpmn):
    deploy_bpmn(PARALLEL, "parallel")
    clients = {}
    people = {"an": make_user("an", "staff"), "binh": make_user("binh", "staff"),
              "admin": make_user("admin", is_superuser=True)}
    for username, user in people.items():
        _token, key = ApiToken.issue(user, name="test", lifetime=None)
        clients[username] = APIClient()
        clients[username].credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return clients


def fresh(client, task: dict) -> dict:
    """The task as a process administrator reads it now (a role holder no longer sees a task
    offered to the role once it is completed)."""
    response = client.get(f"/api/v1/tasks/{task['id']}/")
    assert response.status_code == 200, response.content
    return {key: value for key, value in response.json().items() if key != "form"}


def complete(client, task_id, data) -> tuple[dict, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/api/v1/tasks/{task_id}/complete/", {"data": data}, format="json")
    assert response.status_code == 200, response.content
    return response.json(), [q["sql"] for q in queries.captured_queries]


def reads_back(sql: list[str], table: str) -> list[str]:
    """SELECTs of ``table`` after the step wrote its audit events (its last rows but the grants)."""
    last = max(n for n, statement in enumerate(sql) if statement.startswith('INSERT INTO "engine_auditevent"'))
    return [s for s in sql[last:] if s.startswith("SELECT") and f'"{table}"' in s]


def test_the_answer_matches_a_fresh_read_and_reads_nothing_back(staff):
    an, binh, admin = staff["an"], staff["binh"], staff["admin"]
    started = an.post("/api/v1/process-definitions/parallel/start/", {"data": {"handler": "binh"}}, format="json")
    assert started.status_code == 201, started.content
    tasks = {t["bpmn_id"]: t for t in an.get("/api/v1/tasks/").json()["results"]}
    assert set(tasks) == {"a", "b"}

    # a: b was opened by an earlier step and is still open; it is listed as next, as stored
    done, sql = complete(an, tasks["a"]["id"], {})
    assert done == {**fresh(admin, done), "next_tasks": done["next_tasks"]}
    assert done["status"] == "completed" and done["completed_at"]
    assert [t["bpmn_id"] for t in done["next_tasks"]] == ["b"]
    assert done["next_tasks"] == [fresh(admin, t) for t in done["next_tasks"]]

    # b: the step opens c, assigned to binh by username; an cannot act on it, binh sees it as stored
    done, sql = complete(an, tasks["b"]["id"], {})
    assert done["next_tasks"] == []
    assert reads_back(sql, "engine_task") == []
    [task_c] = binh.get("/api/v1/tasks/").json()["results"]
    assert (task_c["bpmn_id"], task_c["assignee"]) == ("c", "binh")

    done, sql = complete(binh, task_c["id"], {})
    assert done == {**fresh(admin, done), "next_tasks": []}
    assert done["assignee"] == "binh" and done["status"] == "completed"


def test_a_task_opened_for_the_caller_is_listed_with_its_assignee(staff):
    an, admin = staff["an"], staff["admin"]
    started = an.post("/api/v1/process-definitions/parallel/start/", {"data": {"handler": "an"}}, format="json")
    assert started.status_code == 201, started.content
    tasks = {t["bpmn_id"]: t for t in an.get("/api/v1/tasks/").json()["results"]}
    complete(an, tasks["a"]["id"], {})
    done, sql = complete(an, tasks["b"]["id"], {})
    [task_c] = done["next_tasks"]
    assert (task_c["bpmn_id"], task_c["assignee"], task_c["process"]) == ("c", "an", "parallel")
    assert task_c == fresh(admin, task_c)
    assert reads_back(sql, "engine_task") == reads_back(sql, "auth_user") == []
