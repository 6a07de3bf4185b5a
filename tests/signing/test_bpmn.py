"""Signing as BPMN service tasks, run as background jobs the way a worker runs them
(``engine.jobs.run``): person then organisation, S15 as a business outcome the process routes on,
a job run twice signs once, and a silent timestamp authority is retried."""

import json

import pytest
from django.utils import timezone

from engine import inspection, jobs, services
from engine.models import Incident, Job, JobStatus, ProcessInstance, Task
from signing import documents
from signing.handlers import sign_person
from signing.models import DocumentFile, FileKind
from signing.verify import verify_pdf
from tests.bpmn_helpers import lane, lanes, process


def sign_step(element: str, handler: str, result: str, params: dict) -> str:
    values = "".join(f'<spiffworkflow:parameter id="{k}" type="any" value="{v}"/>' for k, v in params.items())
    return f"""
    <bpmn:serviceTask id="{element}"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="{handler}" resultVariable="{result}">
        <spiffworkflow:parameters>{values}</spiffworkflow:parameters>
      </spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>"""


#: Approved document → the competent person signs → the organisation signs → the clerk issues it;
#: a refused signature goes to "Chờ ký" with the reason.
OUTGOING = process(
    '<bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sign_person"/>'
    + sign_step("sign_person", "signing.sign_person", "person_signature",
                {"file_id": "file_id", "user": "signer", "approved_sha256": "approved_sha256"})
    + """<bpmn:sequenceFlow id="f2" sourceRef="sign_person" targetRef="person_ok"/>
    <bpmn:exclusiveGateway id="person_ok" default="f_person_refused"/>
    <bpmn:sequenceFlow id="f_person_signed" sourceRef="person_ok" targetRef="sign_organisation">
      <bpmn:conditionExpression>person_signature["ok"]</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_person_refused" sourceRef="person_ok" targetRef="waiting_for_signature"/>"""
    + sign_step("sign_organisation", "signing.sign_organisation", "organisation_signature",
                {"file_id": "person_signature['file_id']", "body": "issuer_body",
                 "approved_sha256": "approved_sha256"})
    + """<bpmn:sequenceFlow id="f3" sourceRef="sign_organisation" targetRef="organisation_ok"/>
    <bpmn:exclusiveGateway id="organisation_ok" default="f_organisation_refused"/>
    <bpmn:sequenceFlow id="f_sealed" sourceRef="organisation_ok" targetRef="issue">
      <bpmn:conditionExpression>organisation_signature["ok"]</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_organisation_refused" sourceRef="organisation_ok" targetRef="waiting_for_signature"/>
    <bpmn:userTask id="issue" name="Phát hành"/>
    <bpmn:sequenceFlow id="f4" sourceRef="issue" targetRef="end"/>
    <bpmn:userTask id="waiting_for_signature" name="Chờ ký"/>
    <bpmn:sequenceFlow id="f5" sourceRef="waiting_for_signature" targetRef="end"/>
    <bpmn:endEvent id="end"/>""",
    "outgoing_signing", lanes(lane("van_thu", "issue", "waiting_for_signature")))


@pytest.fixture
def outgoing(deploy_bpmn, make_user, register, party_document):
    """The process deployed, the Bí thư and the Đảng ủy with keys on the server, the approved plan."""
    deploy_bpmn(OUTGOING, "outgoing_signing")
    clerk, bithu = make_user("vanthu", "van_thu"), make_user("bithu", "lanh_dao")
    approved = documents.store(party_document.pdf, kind=FileKind.RENDERED, file_name="04-KH-DU.pdf",
                               created_by=clerk)
    return {"clerk": clerk, "bithu": bithu, "file": approved, "register": register,
            "data": {"file_id": str(approved.pk), "approved_sha256": approved.sha256, "signer": "bithu",
                     "issuer_body": "dang_uy_xa"}}


def run_next_job(instance) -> tuple[Job, str]:
    job = Job.objects.filter(instance=instance, status=JobStatus.PENDING).get()
    return job, jobs.run(job.pk)


def data_of(instance) -> dict:
    instance = ProcessInstance.objects.get(pk=instance.pk)
    task = Task.objects.get(instance=instance, status="open")
    return task, inspection.workflow_of(instance).get_task_from_id(task.pk).data


def test_person_then_organisation_as_background_jobs(outgoing):
    o = outgoing
    o["register"]("bi_thu", user=o["bithu"])
    o["register"]("dang_uy", body="dang_uy_xa")
    instance = services.start("outgoing_signing", actor=o["clerk"], data=o["data"])
    assert not Task.objects.filter(instance=instance).exists()  # waiting for the signing job

    person_job, outcome = run_next_job(instance)
    assert (person_job.handler, outcome) == ("signing.sign_person", "completed")
    organisation_job, outcome = run_next_job(instance)
    assert (organisation_job.handler, outcome) == ("signing.sign_organisation", "completed")

    task, data = data_of(instance)
    assert task.bpmn_id == "issue"
    person, organisation = data["person_signature"], data["organisation_signature"]
    assert person["ok"] and organisation["ok"] and organisation["parent_id"] == person["file_id"]
    assert len(json.dumps(data)) < 4000  # ids and hashes, never PDF bytes
    final = DocumentFile.objects.get(pk=organisation["file_id"])
    assert final.sha256 == organisation["sha256"] and final.kind == "organisation_signed"
    assert final.parent.parent == o["file"] and final.instance_id == instance.pk
    result = verify_pdf(final.content)
    assert result.valid, result.summary
    assert [s["holder"] for s in result.signatures] == ["Nguyễn Văn An", "Đảng ủy xã Vĩnh An"]
    assert organisation["level"] == "B-LT" and organisation["signed_at"].endswith("+07:00")


def test_expired_certificate_ends_in_waiting_for_signature_not_in_retries(outgoing):
    # S15: the signer's only certificate expired yesterday
    o = outgoing
    o["register"]("expired", user=o["bithu"])
    instance = services.start("outgoing_signing", actor=o["clerk"], data=o["data"])

    job, outcome = run_next_job(instance)

    # the job is done (no retry, no incident) and the document waits for a signature, with the reason
    assert outcome == "completed"
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.DONE, 1)
    assert not Incident.objects.exists()
    task, data = data_of(instance)
    assert task.bpmn_id == "waiting_for_signature"
    refused = data["person_signature"]
    assert (refused["ok"], refused["code"], refused["file_id"]) == (False, "certificate_expired", str(o["file"].pk))
    assert "Phạm Thị Dung" in refused["message"]
    assert not DocumentFile.objects.exclude(pk=o["file"].pk).exists()


def test_a_signer_without_a_certificate_waits_for_signature(outgoing):
    o = outgoing
    o["register"]("dang_uy", body="dang_uy_xa")
    data = {**o["data"], "signer": "nobody"}
    instance = services.start("outgoing_signing", actor=o["clerk"], data=data)

    assert run_next_job(instance)[1] == "completed"

    task, data = data_of(instance)
    assert task.bpmn_id == "waiting_for_signature"
    assert data["person_signature"]["code"] == "certificate_missing"


def test_a_job_that_runs_again_does_not_sign_twice(outgoing):
    o = outgoing
    o["register"]("bi_thu", user=o["bithu"])
    o["register"]("dang_uy", body="dang_uy_xa")
    instance = services.start("outgoing_signing", actor=o["clerk"], data=o["data"])
    job, outcome = run_next_job(instance)
    assert outcome == "completed"
    first = DocumentFile.objects.get(kind="person_signed")

    # the worker died after its step committed but before it acked: the job runs again
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, locked_until=timezone.now())
    assert jobs.run(job.pk) == "task gone"
    # and the handler itself, called again under the same key, gives back the same version
    again = sign_person(params=job.params, data=job.data, context=jobs.JobContext(
        str(job.pk), job.idempotency_key, 3, str(instance.pk)))

    assert DocumentFile.objects.filter(kind="person_signed").count() == 1
    assert again["file_id"] == str(first.pk) and again["sha256"] == first.sha256
    assert again["ok"] and again["signed_at"].endswith("+07:00")
    assert verify_pdf(first.content).report["signature_count"] == 1


def test_a_silent_timestamp_authority_is_retried_then_signs(outgoing, settings):
    o = outgoing
    o["register"]("bi_thu", user=o["bithu"])
    working = dict(settings.SIGNING)
    settings.ENGINE = {**settings.ENGINE, "JOB_RETRY_DELAY": 0}
    settings.SIGNING = {**working, "TSA_URL": "http://127.0.0.1:9/tsa", "TSA_TIMEOUT": 1}
    instance = services.start("outgoing_signing", actor=o["clerk"], data=o["data"])

    job, outcome = run_next_job(instance)

    assert outcome == "failed"
    job.refresh_from_db()
    assert job.status == JobStatus.PENDING and "TimestampUnavailable" in job.last_error
    assert not DocumentFile.objects.filter(kind="person_signed").exists()

    settings.SIGNING = working  # the authority answers again
    assert jobs.run(job.pk) == "completed"
    assert DocumentFile.objects.filter(kind="person_signed").count() == 1


def test_a_key_only_a_token_holds_is_a_business_outcome(outgoing):
    # the Bí thư's key is on a USB token: the server cannot sign, the holder signs two-step
    o = outgoing
    o["register"]("bi_thu", user=o["bithu"], storage="external")
    instance = services.start("outgoing_signing", actor=o["clerk"], data=o["data"])

    assert run_next_job(instance)[1] == "completed"

    task, data = data_of(instance)
    assert task.bpmn_id == "waiting_for_signature"
    assert (data["person_signature"]["ok"], data["person_signature"]["code"]) == (False, "external_key_only")
    assert not Incident.objects.exists()


APPENDIX = process(
    '<bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sign_appendix"/>'
    + sign_step("sign_appendix", "signing.sign_attachment", "appendix_signature",
                {"file_id": "file_id", "body": "'ubnd_xa'", "approved_sha256": "approved_sha256",
                 "notation": "'Số: 15/QĐ-UBND'"})
    + """<bpmn:sequenceFlow id="f2" sourceRef="sign_appendix" targetRef="issue"/>
    <bpmn:userTask id="issue" name="Phát hành"/>
    <bpmn:sequenceFlow id="f3" sourceRef="issue" targetRef="end"/><bpmn:endEvent id="end"/>""",
    "appendix_signing", lanes(lane("van_thu", "issue")))


def test_an_appendix_in_a_separate_file_gets_the_organisation_signature(deploy_bpmn, make_user, register,
                                                                        state_document):
    # S06: the appendix of "15/QĐ-UBND" is signed by the UBND with the number and time, no image
    deploy_bpmn(APPENDIX, "appendix_signing")
    register("ubnd", body="ubnd_xa")
    appendix = documents.store(state_document.pdf, kind=FileKind.RENDERED, file_name="phu-luc.pdf")
    instance = services.start("appendix_signing", actor=make_user("vanthuubnd", "van_thu"),
                              data={"file_id": str(appendix.pk), "approved_sha256": appendix.sha256})

    assert run_next_job(instance)[1] == "completed"

    _task, data = data_of(instance)
    signed = DocumentFile.objects.get(pk=data["appendix_signature"]["file_id"])
    assert signed.kind == "attachment" and signed.parent == appendix
    result = verify_pdf(signed.content)
    assert result.valid and result.signatures[0]["holder"] == "Ủy ban nhân dân xã Vĩnh An"
