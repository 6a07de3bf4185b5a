"""The form files: all ten incoming-document forms, complete and checked when they are read."""

import json
import re

import pytest

from forms import registry
from forms.registry import FormDefinitionError

INCOMING = {"incoming_receive", "incoming_register", "incoming_present", "incoming_assign", "incoming_handle",
            "incoming_report", "incoming_distribute", "incoming_cooperate", "incoming_reassign", "incoming_close"}


OUTGOING = {"outgoing_draft", "outgoing_review"}
#: Text longer than a note: the body of a document (a plan runs to several pages).
LONG_TEXT = {("outgoing_draft", "body_text"): 100_000}


def test_the_forms_of_the_incoming_and_outgoing_documents_are_listed():
    assert registry.keys() == INCOMING | OUTGOING


def test_the_bpmn_names_only_forms_that_exist():
    from processes import catalog

    for name, forms in (("incoming_document.bpmn", INCOMING), ("outgoing_document.bpmn", OUTGOING)):
        xml = catalog.files()[name].decode()
        named = set(re.findall(r'name="formKey" value="([^"]+)"', xml))
        assert named == forms
    assert registry.missing(named | {"nope", ""}) == {"nope"}


@pytest.mark.parametrize("key", sorted(INCOMING | OUTGOING))
def test_every_field_is_ordered_labelled_and_bounded(key):
    form = registry.get(key)
    schema, ui = form["schema"], form["ui"]
    assert form["title"] and form["version"] >= 1
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert ui["order"] == [name for name in ui["order"] if name in schema["properties"]]
    assert set(ui["order"]) == set(schema["properties"])
    for name, prop in schema["properties"].items():
        assert ui["fields"][name]["label"], name
        if prop.get("type") == "string" and "enum" not in prop and "format" not in prop:
            assert prop["maxLength"] <= LONG_TEXT.get((key, name), 4000), name  # no unbounded text
        if "enum" in prop:
            assert set(ui["fields"][name]["choices"]) == set(prop["enum"])


def test_urgency_outcome_and_deadline_have_their_kinds():
    register, handle, assign = (registry.get(k)["schema"]["properties"] for k in
                                ("incoming_register", "incoming_handle", "incoming_assign"))
    assert register["urgency"]["enum"] == ["thuong", "khan", "thuong_khan", "hoa_toc"]
    assert handle["outcome"]["enum"] == ["done", "reassign"]
    assert assign["deadline"]["format"] == "date"


def test_get_hands_out_a_copy():
    registry.get("incoming_present")["schema"]["properties"].clear()
    assert registry.get("incoming_present")["schema"]["properties"]


@pytest.mark.parametrize(("broken", "problem"), [
    ("{", "Expecting"),
    (json.dumps({"title": "x", "version": 1, "schema": {"type": "object", "additionalProperties": False,
                                                        "properties": {"a": {"type": "string"}}},
                 "ui": {"order": ["a"], "fields": {}}}), "field 'a' has no label"),
    (json.dumps({"title": "x", "version": 1, "schema": {"type": "object", "properties": {}},
                 "ui": {"order": [], "fields": {}}}), "additionalProperties: false"),
    (json.dumps({"title": "x", "version": 1, "schema": {"type": "nothing"}, "ui": {"order": [], "fields": {}}}),
     "is not valid under any of the given schemas"),
])
def test_a_broken_form_file_is_refused_with_its_name(tmp_path, monkeypatch, broken, problem):
    (tmp_path / "bad_form.json").write_text(broken, encoding="utf-8")
    monkeypatch.setattr(registry, "SCHEMA_DIR", tmp_path)
    registry.reload()
    with pytest.raises(FormDefinitionError, match="bad_form.json") as raised:
        registry.keys()
    assert problem in str(raised.value)


def test_a_deploy_naming_a_missing_form_is_refused(db):
    from engine import services
    from engine.exceptions import DeploymentError
    from tests.bpmn_helpers import lane, lanes, process

    xml = process("""<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
      <bpmn:userTask id="t"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formKey" value="does_not_exist"/></spiffworkflow:properties>
      </bpmn:extensionElements>
      </bpmn:userTask><bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/><bpmn:endEvent id="e"/>""",
                  "p", lanes(lane("staff", "t")))
    with pytest.raises(DeploymentError) as raised:
        services.deploy({"f.bpmn": xml})
    assert raised.value.problems[0].element == "t" and "does_not_exist" in raised.value.problems[0].message
