"""A decision of the commune's People's Committee waiting to be signed by its Chairman and sealed by
its clerk, through signing steps (user tasks with the task property ``signature``): what the page
tests and the API tests of signing steps share."""

import pytest
from django.contrib.auth.models import User

from engine import services
from signing import documents
from signing.models import DocumentFile, FileKind
from tests.bpmn_helpers import lane, lanes, process

STATE = "ubnd_xa"
SIGN_THEN_SEAL, SEAL_FIRST = "ky_quyet_dinh", "dong_dau_truoc"


def signing_task(element: str, name: str, purpose: str) -> str:
    """A user task that is a signing step: the task property ``signature`` names the purpose."""
    return (f'<bpmn:userTask id="{element}" name="{name}"><bpmn:extensionElements><spiffworkflow:properties>'
            f'<spiffworkflow:property name="signature" value="{purpose}"/>'
            f'</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>')


#: The decision signed by the Chairman (lanh_dao), sealed by the clerk (van_thu), then issued.
DECISION = process(
    '<bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sign_person"/>'
    + signing_task("sign_person", "Ký quyết định", "person")
    + '<bpmn:sequenceFlow id="f2" sourceRef="sign_person" targetRef="seal"/>'
    + signing_task("seal", "Ký số của cơ quan", "organisation")
    + """<bpmn:sequenceFlow id="f3" sourceRef="seal" targetRef="issue"/>
    <bpmn:userTask id="issue" name="Phát hành"/>
    <bpmn:sequenceFlow id="f4" sourceRef="issue" targetRef="end"/><bpmn:endEvent id="end"/>""",
    SIGN_THEN_SEAL, lanes(lane("lanh_dao", "sign_person"), lane("van_thu", "seal", "issue")))

#: A process drawn wrongly: the seal asked for before anybody signed.
WRONG_ORDER = process(
    '<bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="seal"/>'
    + signing_task("seal", "Ký số của cơ quan", "organisation")
    + '<bpmn:sequenceFlow id="f2" sourceRef="seal" targetRef="end"/><bpmn:endEvent id="end"/>',
    SEAL_FIRST, lanes(lane("van_thu", "seal")))


@pytest.fixture
def decision(demo, deploy_bpmn, register, state_document):
    """``decision(process)``: an instance of ``process`` in the People's Committee holding the
    approved decision; the Chairman's key and the Committee's seal on the server (``decision.keys``)."""
    deploy_bpmn(DECISION, SIGN_THEN_SEAL, "decision.bpmn")
    deploy_bpmn(WRONG_ORDER, SEAL_FIRST, "seal_first.bpmn")
    chairman = User.objects.get(username="chutich")
    keys = {"person": register("chu_tich", user=chairman), "seal": register("ubnd", body=STATE)}

    class Decision:
        def __call__(self, key: str = SIGN_THEN_SEAL):
            approved = documents.store(state_document.pdf, kind=FileKind.RENDERED, file_name="15-QD-UBND.pdf")
            instance = services.start(key, body=STATE, data={"file_id": str(approved.pk),
                                                             "approved_sha256": approved.sha256})
            DocumentFile.objects.filter(pk=approved.pk).update(instance=instance)
            return instance, approved

    start = Decision()
    start.keys = keys
    return start
