"""Schemathesis against the API's own OpenAPI schema: no server errors, no responses that break the
schema, whatever the input (a bounded run: a few dozen generated requests per operation)."""

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.models import ApiToken
from config.wsgi import application
from engine import services
from engine.models import Task

EXAMPLES_PER_OPERATION = 40


@pytest.fixture
def keep_test_connection(demo):
    """Django closes the database connection around each WSGI request; inside a test transaction
    it must stay open (Django's own test client does the same; it reconnects the handler after
    each of its requests, so this runs after the last of them)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def real_ids() -> dict:
    """Objects that exist, so that generated requests also reach past the 404s."""
    clerk = get_user_model().objects.get(username="vanthu")
    instance = services.start("incoming_document", actor=clerk, body="dang_uy_xa")
    task = Task.objects.get(instance=instance, status="open")
    return {"process-instances": str(instance.pk), "tasks": str(task.pk), "process-definitions": "incoming_document"}


def test_the_api_keeps_its_schema(keep_test_connection):
    admin = get_user_model().objects.get(username="admin")
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    ids = real_ids()
    failures, operations, seen = [], 0, []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        collection = operation.path.split("/")[3] if operation.path.count("/") > 3 else ""

        @given(case=operation.as_strategy(), real=st.booleans())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck),
                  derandomize=True, database=None)
        def check(case, real):  # run at once below, within this iteration of the loop
            if real and collection in ids and case.path_parameters:  # noqa: B023
                case.path_parameters = dict.fromkeys(case.path_parameters, ids[collection])  # noqa: B023
            _token, key = ApiToken.issue(admin, name="schemathesis", lifetime=None)  # a case may revoke its own
            response = case.call(headers={"Authorization": f"Token {key}"})
            seen.append((operation.label, response.status_code))  # noqa: B023
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

        try:
            check()
        except Exception as err:  # noqa: BLE001 - collect every operation's failure, then report
            failures.append(f"{operation.label}: {str(err)[:1500]}")
    assert operations >= 15
    # Not a vacuous run: many requests got past authentication and the 404s.
    assert sum(200 <= code < 300 for _label, code in seen) > 100
    # the recipients a draft may name: listed for whatever words a client searches with
    assert sum(label == "GET /api/v1/organs/" and code == 200 for label, code in seen) > 10
    assert not failures, "\n\n".join(failures)
