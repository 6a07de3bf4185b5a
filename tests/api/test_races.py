"""Fifty people press "complete" on the same task at once: exactly one succeeds."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from engine.models import AuditEvent, ProcessInstance, Task

from .test_flow import open_task


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_completions_one_200_the_rest_409(client_of):
    vanthu = client_of("vanthu")
    instance = vanthu.post("/api/v1/process-definitions/incoming_document/start/", {"data": {}}, format="json").json()
    task = open_task(vanthu, instance["id"])
    token = vanthu._credentials["HTTP_AUTHORIZATION"]
    barrier = threading.Barrier(50)
    codes = [None] * 50

    def press(i):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=token)
        try:
            barrier.wait(timeout=20)
            codes[i] = client.post(f"/api/v1/tasks/{task['id']}/complete/", {"data": {"valid": True}},
                                   format="json").status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(codes) == [200] + [409] * 49, codes
    assert ProcessInstance.objects.get(pk=instance["id"]).revision == 2
    assert AuditEvent.objects.filter(instance_id=instance["id"], action="task_completed").count() == 1
    assert Task.objects.filter(instance_id=instance["id"], bpmn_id="register").count() == 1
