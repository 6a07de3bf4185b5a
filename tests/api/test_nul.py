"""A NUL character in a query parameter is a bad request, not a server error (schemathesis found
``GET /api/v1/process-instances/?definition=…%00`` answering 500 on PostgreSQL)."""


def test_a_nul_in_a_query_parameter_is_refused(client_of):
    response = client_of("vanthu").get("/api/v1/process-instances/?definition=incoming%00document")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert client_of("vanthu").get("/api/v1/tasks/?process=x%00").status_code == 400
