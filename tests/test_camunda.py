"""Files drawn in Camunda Modeler: what has a quytrinh meaning is read, the rest is refused by name
rather than dropped without a word (issue 11, point 12)."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from rest_framework.test import APIClient

from engine.models import ProcessDefinition

DEPLOY = "/api/v1/process-definitions/"
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(autouse=True)
def language_kept():
    """A request asking for English leaves English active in the thread (LocaleMiddleware): put it back."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


def camunda_file(handle: str = 'camunda:assignee="chuyenvien" camunda:dueDate="2030-02-01T09:30:00+07:00"',
                 assign: str = 'camunda:candidateGroups="lanh_dao" camunda:formKey="incoming_assign" '
                               'camunda:priority="2" camunda:dueDate="2030-01-31"',
                 extra: str = "", process: str = 'camunda:historyTimeToLive="180" camunda:versionTag="v1"',
                 handle_body: str = "") -> str:
    """As Camunda Modeler 5 exports it: start -> handle (a person) -> assign (a role, a form) -> end."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" \
xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" \
xmlns:modeler="http://camunda.org/schema/modeler/1.0" id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn" \
exporter="Camunda Modeler" exporterVersion="5.20.0" modeler:executionPlatform="Camunda Platform" \
modeler:executionPlatformVersion="7.20.0">
  <bpmn:process id="camunda_leave" name="Nghỉ phép" isExecutable="true" {process}>
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="handle" />
    <bpmn:userTask id="handle" name="Giải quyết" {handle}>{handle_body}
      <bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="Flow_2" sourceRef="handle" targetRef="assign" />
    <bpmn:userTask id="assign" name="Giao việc" {assign}>
      <bpmn:incoming>Flow_2</bpmn:incoming><bpmn:outgoing>Flow_3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="Flow_3" sourceRef="assign" targetRef="End" />
    <bpmn:endEvent id="End"><bpmn:incoming>Flow_3</bpmn:incoming></bpmn:endEvent>{extra}
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def api(demo):
    """``api("admin")``: a client signed in as that demo user."""

    def client(username: str) -> APIClient:
        signed_in = APIClient()
        signed_in.force_authenticate(User.objects.get(username=username))
        return signed_in

    return client


def deploy(client, xml: str):
    upload = SimpleUploadedFile("leave.bpmn", xml.encode(), content_type="application/xml")
    return client.post(DEPLOY, {"file": [upload]}, format="multipart", HTTP_ACCEPT_LANGUAGE="en")


def only_task(client) -> dict:
    [task] = [t for t in client.get("/api/v1/tasks/").json()["results"] if t["process"] == "camunda_leave"]
    return task


def test_what_camunda_modeler_writes_with_a_quytrinh_meaning_is_read(api):
    deployed = deploy(api("admin"), camunda_file())
    assert deployed.status_code == 201, deployed.content
    meta = ProcessDefinition.objects.get(key="camunda_leave").task_meta["camunda_leave"]
    assert {k: meta["handle"][k] for k in ("role", "assignee", "due")} == {
        "role": "", "assignee": "'chuyenvien'", "due": "'2030-02-01T09:30:00+07:00'"}
    assert {k: meta["assign"][k] for k in ("role", "form_key", "priority", "due")} == {
        "role": "lanh_dao", "form_key": "incoming_assign", "priority": "2", "due": "'2030-01-31'"}

    # the first task goes to the person camunda:assignee names, due when camunda:dueDate says
    started = api("bithu").post(f"{DEPLOY}camunda_leave/start/", {"data": {}, "body": "dang_uy_xa"}, format="json")
    assert started.status_code == 201, started.content
    chuyenvien = api("chuyenvien")
    handle = only_task(chuyenvien)
    assert (handle["bpmn_id"], handle["assignee"]) == ("handle", "chuyenvien")
    assert datetime.fromisoformat(handle["due_at"]) == datetime(2030, 2, 1, 9, 30, tzinfo=VN)
    completed = chuyenvien.post(f"/api/v1/tasks/{handle['id']}/complete/", {"data": {}}, format="json")
    assert completed.status_code == 200, completed.content

    # the next is offered to the role camunda:candidateGroups names, with its form and priority
    assign = only_task(api("bithu"))
    assert (assign["bpmn_id"], assign["role"], assign["form_key"], assign["priority"]) == (
        "assign", "lanh_dao", "incoming_assign", 2)
    assert datetime.fromisoformat(assign["due_at"]) == datetime(2030, 1, 31, 17, 0, tzinfo=VN)


def test_the_same_value_given_both_ways_is_accepted(api):
    both = ('<bpmn:extensionElements><spiffworkflow:properties xmlns:spiffworkflow='
            '"http://spiffworkflow.org/bpmn/schema/1.0/core"><spiffworkflow:property name="assignee" '
            'value="\'chuyenvien\'"/></spiffworkflow:properties></bpmn:extensionElements>')

    assert deploy(api("admin"), camunda_file(handle_body=both)).status_code == 201


@pytest.mark.parametrize(
    ("task", "attributes", "message"),
    [
        ("assign", 'camunda:candidateGroups="${group}"',
         'camunda:candidateGroups="${group}" cannot be read (quytrinh does not evaluate Camunda expressions); use '
         'the task property candidateGroups (spiffworkflow:properties) or a lane instead.'),
        ("assign", 'camunda:candidateGroups="lanh_dao, van_thu"',
         'camunda:candidateGroups="lanh_dao, van_thu" cannot be read (a task is offered to one role); use the task '
         'property candidateGroups (spiffworkflow:properties) or a lane instead.'),
        ("handle", 'camunda:assignee="#{initiator}"',
         'camunda:assignee="#{initiator}" cannot be read (quytrinh does not evaluate Camunda expressions); use the '
         'task property assignee (spiffworkflow:properties) instead.'),
        ("assign", 'camunda:candidateGroups="lanh_dao" camunda:formKey="embedded:app:forms/leave.html"',
         'camunda:formKey="embedded:app:forms/leave.html" cannot be read (not the key of a form); use the task '
         'property formKey (spiffworkflow:properties) instead.'),
        ("assign", 'camunda:candidateGroups="lanh_dao" camunda:priority="high"',
         'camunda:priority="high" cannot be read (not an integer); use the task property priority '
         '(spiffworkflow:properties) instead.'),
        ("assign", 'camunda:candidateGroups="lanh_dao" camunda:dueDate="${dateTime().plusDays(3)}"',
         'camunda:dueDate="${dateTime().plusDays(3)}" cannot be read (quytrinh does not evaluate Camunda '
         'expressions); use the task property dueDate (spiffworkflow:properties) instead.'),
        ("assign", 'camunda:candidateGroups="lanh_dao" camunda:dueDate="next week"',
         'camunda:dueDate="next week" cannot be read (not an ISO date or date-time); use the task property dueDate '
         '(spiffworkflow:properties) instead.'),
    ],
)
def test_a_value_that_cannot_be_read_is_refused_naming_what_to_use(api, task, attributes, message):
    xml = camunda_file(**{task: attributes})

    refused = deploy(api("admin"), xml)

    assert refused.status_code == 400, refused.content
    assert [(p["element"], p["message"]) for p in refused.json()["errors"]] == [(task, message)]
    assert not ProcessDefinition.objects.filter(key="camunda_leave").exists()


@pytest.mark.parametrize(
    ("where", "attribute"),
    [
        ("handle", 'camunda:candidateUsers="chuyenvien,chuyenvien2"'),
        ("handle", 'camunda:asyncBefore="true"'),
        ("handle", 'camunda:followUpDate="2030-01-31"'),
        ("extra", '<bpmn:serviceTask id="call" camunda:class="vn.example.Send"/>'),
        ("extra", '<bpmn:serviceTask id="call" camunda:expression="${mailer.send()}"/>'),
        ("extra", '<bpmn:serviceTask id="call" camunda:delegateExpression="${sender}"/>'),
        ("extra", '<bpmn:serviceTask id="call" camunda:type="external" camunda:topic="send"/>'),
    ],
)
def test_other_camunda_attributes_that_change_behaviour_are_refused_by_name(api, where, attribute):
    xml = camunda_file(handle=f'camunda:assignee="chuyenvien" {attribute}') if where == "handle" else camunda_file(
        extra=attribute)

    refused = deploy(api("admin"), xml)

    assert refused.status_code == 400, refused.content
    element = "handle" if where == "handle" else "call"
    named = re.search(r"camunda:\w+", attribute).group()
    problems = [p for p in refused.json()["errors"] if named in p["message"]]
    assert problems and {p["element"] for p in problems} == {element}, refused.json()["errors"]
    assert all("not supported by quytrinh" in p["message"] for p in problems)


def test_camunda_listeners_and_forms_are_refused_by_name(api):
    listener = ('<bpmn:extensionElements><camunda:taskListener class="vn.example.Notify" event="create"/>'
                '<camunda:formData><camunda:formField id="days" type="long"/></camunda:formData>'
                '</bpmn:extensionElements>')

    refused = deploy(api("admin"), camunda_file(handle_body=listener))

    messages = [(p["element"], p["message"]) for p in refused.json()["errors"]]
    assert [element for element, _ in messages] == ["handle", "handle"]
    assert "<camunda:taskListener>" in messages[0][1] and "<camunda:formData>" in messages[1][1]


def test_a_value_given_both_ways_differently_is_refused(api):
    both = ('<bpmn:extensionElements><spiffworkflow:properties xmlns:spiffworkflow='
            '"http://spiffworkflow.org/bpmn/schema/1.0/core"><spiffworkflow:property name="assignee" '
            'value="lead_handler"/></spiffworkflow:properties></bpmn:extensionElements>')

    refused = deploy(api("admin"), camunda_file(handle_body=both))

    assert [(p["element"], p["message"]) for p in refused.json()["errors"]] == [(
        "handle", "camunda:assignee=\"chuyenvien\" and the task property assignee (lead_handler) disagree; keep one.")]



def test_a_script_in_another_language_is_refused_rather_than_run_as_python(api):
    groovy = ('<bpmn:scriptTask id="compute" name="Tính" scriptFormat="groovy">'
              '<bpmn:script>execution.setVariable("days", 3)</bpmn:script></bpmn:scriptTask>')

    refused = deploy(api("admin"), camunda_file(extra=groovy))

    assert [(p["element"], p["message"]) for p in refused.json()["errors"]] == [
        ("compute", "The script is written in groovy (scriptFormat); quytrinh runs Python scripts only.")]


def test_camunda_8_extensions_are_refused_by_name_too(api):
    zeebe = ('<bpmn:extensionElements xmlns:zeebe="http://camunda.org/schema/zeebe/1.0">'
             '<zeebe:assignmentDefinition candidateGroups="lanh_dao"/></bpmn:extensionElements>')

    refused = deploy(api("admin"), camunda_file(handle_body=zeebe))

    [problem] = refused.json()["errors"]
    assert problem["element"] == "handle"
    assert problem["message"].startswith("<zeebe:assignmentDefinition> is not supported by quytrinh: ")
