"""Deploying BPMN: every refusal names the file, the line and the element; versions only on change."""

import pytest
from django.utils import translation

from engine import definitions, services
from engine.exceptions import DeploymentError
from engine.models import AuditEvent, ProcessDefinition
from processes import catalog

from .bpmn_helpers import process, rework_loop, script_process


def problems_of(files) -> list:
    with pytest.raises(DeploymentError) as raised:
        services.deploy(files)
    return raised.value.problems


def test_catalog_deploys_once_and_redeploy_is_a_no_op(db):
    first = services.deploy(catalog.files())
    again = services.deploy(catalog.files())

    assert sorted((d.definition.key, d.definition.version, d.created) for d in first) == [
        ("incoming_document", 1, True), ("outgoing_document", 1, True)]
    assert sorted((d.definition.key, d.definition.version, d.created) for d in again) == [
        ("incoming_document", 1, False), ("outgoing_document", 1, False)]
    assert ProcessDefinition.objects.count() == 2
    for key in ("incoming_document", "outgoing_document"):
        assert AuditEvent.objects.filter(stream=f"definition:{key}", action="definition_deployed").count() == 1


def test_changed_content_makes_a_new_version_and_renaming_does_not(db):
    services.deploy({"loop.bpmn": rework_loop()})
    services.deploy({"renamed.bpmn": rework_loop()})
    changed = rework_loop().replace('name="Review"', 'name="Xem xét"')
    services.deploy({"loop.bpmn": changed})

    assert list(ProcessDefinition.objects.filter(key="rework_loop").values_list("version", flat=True)) == [2, 1]


def test_malformed_xml_names_file_and_line(db):
    broken = rework_loop().replace("<bpmn:endEvent id=\"end\"/>", "<bpmn:endEvent id=\"end\">")

    [problem] = problems_of({"broken.bpmn": broken})

    assert problem.file == "broken.bpmn"
    assert problem.line == broken.count("\n", 0, broken.index("</bpmn:process>")) + 1
    assert "Malformed XML" in problem.message or "XML" in problem.message


def test_unknown_element_reference_names_the_flow(db):
    xml = rework_loop().replace('targetRef="end"', 'targetRef="nowhere"')

    problems = problems_of({"loop.bpmn": xml})

    assert [(p.file, p.element) for p in problems] == [("loop.bpmn", "f_end")]
    assert "nowhere" in problems[0].message
    assert problems[0].line == xml.count("\n", 0, xml.index('id="f_end"')) + 1


def test_not_valid_bpmn_names_the_line_and_element(db):
    xml = rework_loop().replace('<bpmn:endEvent id="end"/>', '<bpmn:endEvent id="end"><bpmn:foo/></bpmn:endEvent>')

    [problem] = problems_of({"loop.bpmn": xml})

    assert problem.line == xml.count("\n", 0, xml.index("<bpmn:foo/>")) + 1
    assert problem.element == "end"


@pytest.mark.parametrize(
    ("script", "needle"),
    [
        ("x = __import__('os').system('id')", "__import__"),
        ("x = ().__class__.__bases__[0].__subclasses__()", "__class__"),
        ("x = open('/etc/passwd').read()", "open"),
        ("import os", "(os)"),
        ("x = eval('1+1')", "eval"),
        ("x = getattr(1, 'real')", "getattr"),
    ],
)
def test_forbidden_script_is_refused_with_its_element_id(db, script, needle):
    xml = script_process(script)

    problems = problems_of({"evil.bpmn": xml})

    assert problems and all(p.element == "run" and p.file == "evil.bpmn" for p in problems)
    assert any(needle in p.message for p in problems)
    assert problems[0].line == xml.count("\n", 0, xml.index("<bpmn:script>")) + 1
    assert not ProcessDefinition.objects.exists()


def test_forbidden_gateway_condition_is_refused_with_the_flow_id(db):
    xml = rework_loop().replace("i &lt; n", "__import__('os').getpid() &gt; 0")

    problems = problems_of({"loop.bpmn": xml})

    assert {p.element for p in problems} == {"f_back"}


def test_user_task_without_lane_or_assignee_is_refused(db):
    xml = rework_loop().replace('<bpmn:laneSet id="lanes"><bpmn:lane id="staff" name="staff">'
                                '<bpmn:flowNodeRef>review</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>', "")

    [problem] = problems_of({"loop.bpmn": xml})

    assert problem.element == "review"


def test_service_task_must_name_a_registered_handler(db):
    xml = script_process("x = 1").replace(
        '<bpmn:scriptTask id="run"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>',
        '<bpmn:serviceTask id="run"><bpmn:extensionElements>'
        '<spiffworkflow:serviceTaskOperator id="no.such.handler"><spiffworkflow:parameters/>'
        '</spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>')

    [problem] = problems_of({"svc.bpmn": xml})

    assert problem.element == "run" and "no.such.handler" in problem.message


def test_every_problem_is_reported_at_once(db):
    xml = script_process("x = __import__('os')").replace('targetRef="end"', 'targetRef="gone"')

    problems = problems_of({"two.bpmn": xml})

    assert {p.element for p in problems} == {"run", "f3"}


def test_non_bpmn_upload_is_refused(db):
    [problem] = problems_of({"notes.txt": b"hello"})

    assert problem.file == "notes.txt"
    assert problem.message == "Chỉ triển khai được tệp .bpmn và .dmn."  # Vietnamese by default


def test_xml_entities_are_not_expanded(db):
    xxe = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
           + rework_loop().split("?>", 1)[1].replace('name="Review"', 'name="&e;"'))

    try:
        services.deploy({"xxe.bpmn": xxe})
    except DeploymentError as err:
        assert "root:" not in str(err)
    stored = "".join(str(files) for files in ProcessDefinition.objects.values_list("files", flat=True))
    assert "root:" not in stored


def test_running_instances_outlive_a_form_or_role_removed_after_deployment(make_user, catalog_deployed, settings):
    """The roles and forms are checked when a version is deployed; its running instances go on
    when a form is later removed or a role renamed, and only a new deployment is refused."""
    from engine import definitions, live
    from engine.models import Task, TaskStatus

    vanthu = make_user("vanthu", "van_thu")
    instance = services.start("incoming_document", actor=vanthu, data={"subject": "Công văn"})
    settings.ENGINE = {**settings.ENGINE, "KNOWN_FORMS": lambda: {"other_form"}, "KNOWN_ROLES": lambda: {"other"}}
    definitions.clear_cache()
    live.clear()  # every process starting afresh: the definition is parsed again from storage

    services.complete(Task.objects.get(instance=instance, status=TaskStatus.OPEN), data={"valid": True}, actor=vanthu)
    assert Task.objects.get(instance=instance, status=TaskStatus.OPEN).bpmn_id == "register"
    with pytest.raises(DeploymentError) as refused:
        services.deploy(catalog.files())
    messages = " ".join(p.message for p in refused.value.problems)
    assert "incoming_receive" in messages and "van_thu" in messages


def test_deploy_warns_about_conditions_on_variables_nothing_sets(db):
    """``i < n``: no form, script or service task sets i or n; they can only be given at start."""
    [deployment] = services.deploy({"loop.bpmn": rework_loop()})
    xml = rework_loop()

    assert deployment.created
    assert [(w.file, w.line, w.element) for w in deployment.warnings] == [
        ("loop.bpmn", xml.count("\n", 0, xml.index("i &lt; n")) + 1, "f_back")] * 2
    with translation.override("en"):
        [again] = services.deploy({"loop.bpmn": rework_loop()})
    assert not again.created
    assert [w.message for w in again.warnings] == [
        f"The condition 'i < n' reads '{name}', which no form, script or service task of this process sets: unless "
        f"it is given when the process starts or entered at a task without a form (review), the condition fails "
        f"when it is evaluated." for name in ("i", "n")]


def test_without_knowing_the_forms_a_variable_a_form_may_set_is_not_warned_about(db, settings):
    settings.ENGINE = {**settings.ENGINE, "FORM_FIELDS": None, "KNOWN_FORMS": None}
    xml = rework_loop().replace('<bpmn:userTask id="review" name="Review"/>', (
        '<bpmn:userTask id="review" name="Review"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="formKey" value="some_form"/></spiffworkflow:properties>'
        '</bpmn:extensionElements></bpmn:userTask>'))

    [deployment] = services.deploy({"loop.bpmn": xml})

    assert deployment.warnings == ()


def test_a_stored_definition_is_parsed_without_warnings_or_form_lookups(db, settings):
    services.deploy({"loop.bpmn": rework_loop()})
    looked_up = []
    settings.ENGINE = {**settings.ENGINE, "FORM_FIELDS": lambda key: looked_up.append(key)}

    definitions.clear_cache()
    info = definitions.load(ProcessDefinition.objects.get(key="rework_loop"))

    assert info.warnings == [] and looked_up == []


ANNOTATED_DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d" namespace="t">
  <decision id="level" name="Mức">
    <decisionTable id="t" hitPolicy="FIRST">
      <input id="i" label="Số ngày"><inputExpression id="ie" typeRef="integer"><text>days</text></inputExpression>
      </input>
      <output id="o" label="Mức" name="level" typeRef="string"/>
      <annotation name="Ghi chú"/>
      <rule id="r1">
        <inputEntry id="r1i"><text>&gt; 3</text></inputEntry>
        <outputEntry id="r1o"><text>"cao"</text></outputEntry>
        <annotationEntry><text>Quá 3 ngày: báo lãnh đạo (Điều 24)</text></annotationEntry>
      </rule>
      <rule id="r2">
        <inputEntry id="r2i"><text>-</text></inputEntry>
        <outputEntry id="r2o"><text>"thường"</text></outputEntry>
        <annotationEntry><text>Còn lại</text></annotationEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>
"""


def test_a_dmn_annotation_column_is_refused_with_where_notes_go(db):
    """Camunda Modeler's annotation column holds prose: SpiffWorkflow cannot read the column, and its
    prose is no expression; the refusal says where a rule's note goes instead."""
    bpmn = process("""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="decide"/>
    <bpmn:businessRuleTask id="decide" name="Xếp mức">
      <bpmn:extensionElements><spiffworkflow:calledDecisionId>level</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements>
    </bpmn:businessRuleTask>
    <bpmn:sequenceFlow id="f2" sourceRef="decide" targetRef="end"/>
    <bpmn:endEvent id="end"/>""", process_id="annotated")
    with pytest.raises(DeploymentError) as refused:
        services.deploy({"annotated.bpmn": bpmn, "level.dmn": ANNOTATED_DMN})
    [problem] = refused.value.problems
    assert (problem.file, problem.line) == ("level.dmn", 8) and "<description>" in problem.message
