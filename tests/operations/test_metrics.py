"""``/metrics`` after real work: a completion through the API, a timer fired late, a background job
run by its Celery task, an incident; and who may read it."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from engine import services, timers
from engine.models import AuditEvent, Incident, Job, Task
from engine.tasks import run_job

from ..bpmn_helpers import lane, lanes, process
from ..test_jobs import param

#: A review, then a timer a minute later, then a background job, then a check.
METERED = process(f"""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:userTask id="review" name="Review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:timerEventDefinition><bpmn:timeDate>shift(now(), minutes=1)</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="call"/>
    <bpmn:serviceTask id="call"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="tests.flaky" resultVariable="outcome">
        <spiffworkflow:parameters>{param("failures", "0")}</spiffworkflow:parameters>
      </spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f4" sourceRef="call" targetRef="check"/>
    <bpmn:userTask id="check" name="Check"/>
    <bpmn:sequenceFlow id="f5" sourceRef="check" targetRef="end"/>
    <bpmn:endEvent id="end"/>""", "metered", lanes(lane("staff", "review", "check")))

BROKEN_TIMER = process("""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:timerEventDefinition><bpmn:timeDate>shift(now(), minutes=1)</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="count"/>
    <bpmn:scriptTask id="count"><bpmn:script>fired = 1 / zero</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="count" targetRef="end"/>
    <bpmn:endEvent id="end"/>""", "broken_timer")


def scrape(client=None, **extra) -> dict:
    """{(sample name, sorted labels): value} of one scrape."""
    response = (client or APIClient()).get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.content.decode()) for sample in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.mark.django_db(transaction=True)
def test_metrics_show_a_completion_a_timer_a_job_and_an_incident(deploy_bpmn, make_user):
    deploy_bpmn(METERED, "metered")
    deploy_bpmn(BROKEN_TIMER, "broken_timer")
    clerk = make_user("clerk", "staff")
    client = APIClient()
    client.force_login(clerk)
    before = scrape()

    instance = services.start("metered", actor=clerk)
    review = Task.objects.get(instance=instance, status="open")
    assert client.post(f"/api/v1/tasks/{review.pk}/complete/", {"data": {}}, format="json").status_code == 200
    broken = services.start("broken_timer")
    with time_machine.travel(timezone.now() + timedelta(minutes=3), tick=False):
        assert timers.fire_all_due() == 2  # about two minutes late
        waiting = scrape()
        job = Job.objects.get(instance=instance)
        assert run_job(str(job.pk)) == "completed"
        after = scrape()

    assert value(after, "django_http_responses_total_by_status_view_method_total", status="200",
                 view="task-complete", method="POST") == value(
        before, "django_http_responses_total_by_status_view_method_total", status="200", view="task-complete",
        method="POST") + 1
    step_count = "quytrinh_step_duration_seconds_count"
    assert value(after, step_count, process="metered") - value(before, step_count, process="metered") == 4
    lateness = "quytrinh_timer_lateness_seconds_bucket"
    late_by_2_min = value(after, lateness, le="300.0") - value(after, lateness, le="60.0")
    assert late_by_2_min - (value(before, lateness, le="300.0") - value(before, lateness, le="60.0")) == 2
    assert value(waiting, "quytrinh_jobs", state="pending") == 1
    assert value(waiting, "quytrinh_job_queue_age_seconds") >= 0
    assert value(after, "quytrinh_jobs", state="pending") == 0
    assert value(after, "quytrinh_job_runs_total", outcome="completed") == value(
        before, "quytrinh_job_runs_total", outcome="completed") + 1
    assert value(after, "quytrinh_incidents_open", kind="timer") == 1
    assert Incident.objects.filter(instance=broken).count() == 1
    assert value(after, "quytrinh_incidents_open", kind="job") == 0
    assert ("quytrinh_signing_jobs_failing", ()) in after and ("quytrinh_signing_requests_failed", ()) in after
    assert value(after, "quytrinh_outbox_packets", state="pending") == 0  # the exchange's outbox, read when present
    assert ("quytrinh_outbox_packets", (("state", "failed"),)) in after


@pytest.mark.django_db(transaction=True)
def test_the_timer_lag_is_how_long_the_oldest_due_timer_has_waited(deploy_bpmn):
    deploy_bpmn(BROKEN_TIMER, "broken_timer")
    services.start("broken_timer")
    assert value(scrape(), "quytrinh_timer_lag_seconds") == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        samples = scrape()
    assert 590 <= value(samples, "quytrinh_timer_lag_seconds") <= 610
    assert value(samples, "quytrinh_timers_overdue") == 1


@pytest.mark.django_db
def test_metrics_are_not_for_the_public(settings):
    outsider = APIClient(REMOTE_ADDR="203.0.113.9")
    assert outsider.get("/metrics").status_code == 404
    denial = AuditEvent.objects.get(stream="access", action="access_denied")
    assert denial.after["path"] == "/metrics" and denial.after["ip"] == "203.0.113.9"

    settings.OPERATIONS = {**settings.OPERATIONS, "METRICS_ALLOW": ["10.1.2.0/24"], "METRICS_TOKEN": "s3cret"}
    monitoring = APIClient(REMOTE_ADDR="10.1.2.7")
    assert monitoring.get("/metrics").status_code == 404  # the right network, no token
    assert monitoring.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert monitoring.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 200
    assert APIClient().get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 404  # the wrong network
    assert AuditEvent.objects.filter(stream="access", action="access_denied").count() == 4
