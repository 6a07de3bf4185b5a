"""Background service tasks, run the way a worker runs them (``engine.jobs.run``): the step is
left started, the job completes it once, failures retry with backoff and end as an incident."""

import json

from django.utils import timezone

from engine import inspection, jobs, repair, services
from engine.models import AuditEvent, Incident, Job, JobStatus, ProcessInstance, Task

from .bpmn_helpers import lane, lanes, process


def service_process(handler: str, params: str, process_id: str = "svc") -> str:
    return process(f"""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call"/>
    <bpmn:serviceTask id="call"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="{handler}" resultVariable="outcome">
        <spiffworkflow:parameters>{params}</spiffworkflow:parameters>
      </spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="check"/>
    <bpmn:userTask id="check"/>
    <bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="end"/>
    <bpmn:endEvent id="end"/>""", process_id, lanes(lane("staff", "check")))


def param(name, value):
    return f'<spiffworkflow:parameter id="{name}" type="any" value="{value}"/>'


def test_a_quick_handler_runs_inside_the_step(deploy_bpmn):
    deploy_bpmn(service_process("tests.lookup", param("n", "21")), "svc")

    instance = services.start("svc")

    check = Task.objects.get(instance=instance, status="open")
    data = inspection.workflow_of(ProcessInstance.objects.get(pk=instance.pk)).get_task_from_id(check.pk).data
    assert data["outcome"] == {"doubled": 42, "instance": str(instance.pk)}
    assert not Job.objects.exists()


def test_a_background_job_completes_the_step_once(deploy_bpmn, tmp_path):
    log = tmp_path / "runs.log"
    deploy_bpmn(service_process("tests.slow_sign", param("log", f"'{log}'")), "svc")
    instance = services.start("svc")
    job = Job.objects.get(instance=instance)
    assert (job.status, job.element, job.handler, job.params) == (
        "pending", "call", "tests.slow_sign", {"log": str(log)})
    assert not Task.objects.filter(instance=instance, status="open").exists()  # waiting for the job

    assert jobs.run(job.pk) == "completed"
    assert jobs.run(job.pk) == "not claimed"  # a second delivery of the same wake-up

    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.attempts == 1
    assert Task.objects.get(instance=instance, status="open").bpmn_id == "check"
    assert len(log.read_text().splitlines()) == 1
    assert AuditEvent.objects.filter(instance=instance, action="job_completed").count() == 1


def test_a_rerun_after_a_lost_lease_does_not_complete_twice(deploy_bpmn, tmp_path):
    log = tmp_path / "runs.log"
    deploy_bpmn(service_process("tests.slow_sign", param("log", f"'{log}'")), "svc")
    instance = services.start("svc")
    job = Job.objects.get(instance=instance)
    assert jobs.run(job.pk) == "completed"
    # The worker died after its step committed but before it could ack: the job looks leased.
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, locked_until=timezone.now())

    assert jobs.sweep() == 1
    assert jobs.run(job.pk) == "task gone"  # the handler ran again (idempotent); the step did not

    assert len(log.read_text().splitlines()) == 2
    assert AuditEvent.objects.filter(instance=instance, action="job_completed").count() == 1
    assert Task.objects.filter(instance=instance, bpmn_id="check").count() == 1


def test_failures_retry_with_backoff_then_raise_an_incident_that_can_be_retried(deploy_bpmn, make_user, settings):
    settings.ENGINE = {**settings.ENGINE, "JOB_RETRY_DELAY": 0}
    deploy_bpmn(service_process("tests.flaky", param("failures", "3")), "svc")
    instance = services.start("svc")
    job = Job.objects.get(instance=instance)

    outcomes = [jobs.run(job.pk) for _ in range(4)]

    assert outcomes == ["failed", "failed", "failed", "not claimed"]
    job.refresh_from_db()
    assert job.status == JobStatus.INCIDENT and job.attempts == 3 and "service unavailable" in job.last_error
    incident = Incident.objects.get(instance=instance)
    assert incident.kind == "job" and incident.job == job

    repair.retry_incident(incident, actor=make_user("admin1"), reason="Dịch vụ đã hoạt động lại")

    assert jobs.run(job.pk) == "completed"  # attempt 4 > failures
    assert Task.objects.get(instance=instance, status="open").bpmn_id == "check"
    incident.refresh_from_db()
    assert incident.resolved_at is not None
    check = Task.objects.get(instance=instance, status="open")
    data = inspection.workflow_of(ProcessInstance.objects.get(pk=instance.pk)).get_task_from_id(check.pk).data
    assert data["outcome"] == {"ok": True, "attempt": 4}


def test_a_job_of_a_suspended_instance_waits(deploy_bpmn, make_user, tmp_path):
    deploy_bpmn(service_process("tests.slow_sign", param("log", f"'{tmp_path / 'x.log'}'")), "svc")
    admin = make_user("admin1")
    instance = services.start("svc")
    job = Job.objects.get(instance=instance)
    repair.suspend(instance, actor=admin, reason="Kiểm tra")

    assert jobs.run(job.pk) == "not claimed"

    repair.resume(instance, actor=admin, reason="Xong")
    assert jobs.run(job.pk) == "completed"


def test_job_parameters_and_data_are_json(deploy_bpmn, tmp_path):
    deploy_bpmn(service_process("tests.slow_sign", param("log", f"'{tmp_path / 'x.log'}'")), "svc")
    instance = services.start("svc", data={"doc": "D-1"})
    job = Job.objects.get(instance=instance)
    assert json.loads(json.dumps(job.params)) == job.params and job.data == {"doc": "D-1"}
