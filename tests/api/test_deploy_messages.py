"""What an administrator reads when a deploy or a step goes wrong: our own words, in the reader's
language, naming the BPMN element; and, at deploy, warnings about conditions on variables nothing
may set (issue 11, point 6)."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from engine.models import AuditEvent, ProcessDefinition

from .test_flow import complete, open_task

DEPLOY = "/api/v1/process-definitions/"
#: Library text that must never reach a reader (RestrictedPython's and SpiffWorkflow's English).
LIBRARY_TEXT = ("invalid variable name", "invalid attribute name", "SyntaxError", "at statement", "Line ",
                "is not allowed in process scripts", "Error evaluating expression", "Did you mean", "NameError",
                "is not defined")

HEADER = ('<?xml version="1.0" encoding="UTF-8"?>\n'
          '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
          'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
          'id="defs" targetNamespace="https://quytrinh.vn/test">\n')


@pytest.fixture(autouse=True)
def language_kept():
    """A request asking for English leaves English active in the thread (LocaleMiddleware): put it back."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


def leave_request(condition: str = "days &gt; 3", ask_form: str = "", extra: str = "") -> str:
    """start -> ask (clerk) -> check 'Kiểm tra' -> [condition] approve (leader) | end."""
    form = (f'<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="formKey" '
            f'value="{ask_form}"/></spiffworkflow:properties></bpmn:extensionElements>') if ask_form else ""
    return f"""{HEADER}<bpmn:process id="leave_request" name="Xin nghỉ phép" isExecutable="true">
  <bpmn:laneSet id="lanes">
    <bpmn:lane id="van_thu" name="Văn thư"><bpmn:flowNodeRef>ask</bpmn:flowNodeRef></bpmn:lane>
    <bpmn:lane id="lanh_dao" name="Lãnh đạo"><bpmn:flowNodeRef>approve</bpmn:flowNodeRef></bpmn:lane>
  </bpmn:laneSet>
  <bpmn:startEvent id="start"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ask"/>
  <bpmn:userTask id="ask" name="Đề nghị">{form}</bpmn:userTask>
  <bpmn:sequenceFlow id="f2" sourceRef="ask" targetRef="check"/>
  <bpmn:exclusiveGateway id="check" name="Kiểm tra" default="f_short"/>
  <bpmn:sequenceFlow id="f_long" sourceRef="check" targetRef="approve">
    <bpmn:conditionExpression>{condition}</bpmn:conditionExpression>
  </bpmn:sequenceFlow>
  <bpmn:sequenceFlow id="f_short" sourceRef="check" targetRef="end"/>
  <bpmn:userTask id="approve" name="Duyệt"/>
  <bpmn:sequenceFlow id="f3" sourceRef="approve" targetRef="end"/>
  <bpmn:endEvent id="end"/>{extra}
</bpmn:process>
</bpmn:definitions>
"""


def deploy(client, xml: str, name: str = "leave.bpmn", **headers):
    upload = SimpleUploadedFile(name, xml.encode(), content_type="application/xml")
    return client.post(DEPLOY, {"file": [upload]}, format="multipart", **headers)


def line_of(xml: str, needle: str) -> int:
    return xml.count("\n", 0, xml.index(needle)) + 1


# --- Refusals at deploy ----------------------------------------------------------------------


def test_refused_scripts_are_explained_in_our_words_and_name_their_element(client_of):
    xml = leave_request(condition="_secret &gt; 3", extra="""
  <bpmn:scriptTask id="prepare" name="Chuẩn bị"><bpmn:script>import os
x = open('/etc/passwd')
y = x.__class__</bpmn:script></bpmn:scriptTask>
  <bpmn:scriptTask id="broken" name="Hỏng"><bpmn:script>a = 1
if a = 2:
    pass</bpmn:script></bpmn:scriptTask>""")

    refused = deploy(client_of("admin"), xml, HTTP_ACCEPT_LANGUAGE="en")

    assert refused.status_code == 400, refused.content
    found = {(p["element"], p["line"], p["message"]) for p in refused.json()["errors"]}
    script = line_of(xml, "import os")
    assert found == {
        ("f_long", line_of(xml, "_secret"), "Condition not allowed: The name '_secret' starts with '_', which "
                                            "process scripts may not use."),
        ("prepare", script, "Script not allowed: Process scripts may not import modules (os)."),
        ("prepare", script + 1, "Script not allowed: 'open' cannot be used in process scripts."),
        ("prepare", script + 2, "Script not allowed: The attribute '__class__' starts with '_', which process "
                                "scripts may not use."),
        ("broken", line_of(xml, "if a = 2"), "Script not allowed: Syntax error in line 2, column 4: if a = 2:"),
    }
    assert not ProcessDefinition.objects.filter(key="leave_request").exists()


def test_refusals_read_in_vietnamese_carry_no_library_text(client_of):
    xml = leave_request(condition="_secret &gt; 3", extra="""
  <bpmn:scriptTask id="prepare"><bpmn:script>import os
x = eval('1')
if x = 2:
    pass</bpmn:script></bpmn:scriptTask>""")

    refused = deploy(client_of("admin"), xml)

    messages = [p["message"] for p in refused.json()["errors"]]
    assert messages and all(text not in message for message in messages for text in LIBRARY_TEXT), messages


def test_a_camunda_style_condition_is_explained(client_of):
    refused = deploy(client_of("admin"), leave_request(condition="${days &gt; 3}"), HTTP_ACCEPT_LANGUAGE="en")

    [problem] = refused.json()["errors"]
    assert problem["element"] == "f_long"
    assert problem["message"] == ("Condition not allowed: '${days > 3}' is a Camunda (JUEL) expression, which "
                                  "quytrinh does not read: write it in Python, e.g. days > 3")


# --- Warnings at deploy ----------------------------------------------------------------------


def test_a_condition_on_a_variable_nothing_sets_is_deployed_with_a_warning(client_of):
    xml = leave_request(condition="days &gt; 3 and any(d &gt; limit for d in history) and working_days(1) &gt; now()")

    deployed = deploy(client_of("admin"), xml, HTTP_ACCEPT_LANGUAGE="en")

    assert deployed.status_code == 201, deployed.content
    line = line_of(xml, "days &gt; 3")
    expression = "days > 3 and any(d > limit for d in history) and working_days(1) > now()"
    assert deployed.json()["warnings"] == [
        {"file": "leave.bpmn", "line": line, "element": "f_long", "message": (
            f"The condition '{expression}' reads '{name}', which no form, script or service task of this process "
            f"sets: unless it is given when the process starts or entered at a task without a form (ask, approve), "
            f"the condition fails when it is evaluated.")}
        for name in ("days", "history", "limit")
    ]


def test_a_variable_a_form_may_leave_empty_is_warned_about(client_of):
    # incoming_report declares reply and report, and requires neither
    xml = leave_request(condition="reply == 'yes'", ask_form="incoming_report")

    deployed = deploy(client_of("admin"), xml, HTTP_ACCEPT_LANGUAGE="en")

    assert deployed.status_code == 201, deployed.content
    assert [(w["element"], w["message"]) for w in deployed.json()["warnings"]] == [
        ("f_long", "The condition 'reply == 'yes'' reads 'reply', which the form incoming_report may leave empty (it "
                   "is not required there): the condition then fails when it is evaluated.")]


def test_variables_that_something_sets_are_not_warned_about(client_of):
    # outcome is required by incoming_handle; approved is set by a script; checked by a service task
    xml = leave_request(condition="outcome == 'done' and approved and checked['notified']", ask_form="incoming_handle",
                        extra="""
  <bpmn:scriptTask id="prepare"><bpmn:script>approved = True</bpmn:script></bpmn:scriptTask>
  <bpmn:serviceTask id="notify"><bpmn:extensionElements>
    <spiffworkflow:serviceTaskOperator id="engine.notify" resultVariable="checked">
      <spiffworkflow:parameters/></spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>""")

    deployed = deploy(client_of("admin"), xml)

    assert deployed.status_code == 201, deployed.content
    assert deployed.json()["warnings"] == []


def test_the_catalog_deploys_without_warnings(client_of):
    from processes import catalog

    uploads = [SimpleUploadedFile(name, content, content_type="application/xml")
               for name, content in catalog.files().items()]
    deployed = client_of("admin").post(DEPLOY, {"file": uploads}, format="multipart")

    assert deployed.status_code in (200, 201), deployed.content
    assert deployed.json()["warnings"] == []


# --- A failing condition at run time -------------------------------------------------------------


def test_a_condition_on_a_missing_variable_fails_in_our_words_naming_the_step(client_of):
    assert deploy(client_of("admin"), leave_request()).status_code == 201
    vanthu = client_of("vanthu")
    started = vanthu.post(f"{DEPLOY}leave_request/start/", {"data": {}}, format="json")
    assert started.status_code == 201, started.content
    task = open_task(vanthu, started.json()["id"])

    failed = complete(vanthu, task, {"reason": "ốm"}, expected=422)
    in_english = vanthu.post(f"/api/v1/tasks/{task['id']}/complete/", {"data": {"reason": "ốm"}}, format="json",
                             HTTP_ACCEPT_LANGUAGE="en")

    problem = failed.json()
    assert problem["element"] == "check"
    assert "days" in problem["detail"] and "Kiểm tra" in problem["detail"] and "check" in problem["detail"]
    assert not any(text in problem["detail"] for text in LIBRARY_TEXT), problem["detail"]
    assert in_english.status_code == 422
    assert in_english.json()["detail"] == ("The condition 'days > 3' at step 'Kiểm tra' (check) uses the variable "
                                           "'days', which has no value yet.")
    event = AuditEvent.objects.filter(action="step_failed").latest("seq")
    assert event.element == "check" and "days" in event.after["error"]
    # given the value, the same task goes on
    assert complete(vanthu, task, {"reason": "ốm", "days": 5}).status_code == 200
