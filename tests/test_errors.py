"""A request the server cannot complete gets a clear answer, never a bare 500 page."""

import contextlib
import json

import pytest
from django.db import connection
from django.test import Client

from shopfloor.errors import server_error
from shopfloor.scanning.services import api_token_issue
from tests.support.servers import free_port

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="points the connection at a closed port; SQLite's test database is in memory",
)


@contextlib.contextmanager
def unreachable_database():
    """The default connection pointed at a port nobody listens on: real connection errors."""
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = free_port()
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_scan_api_answers_503_in_json_while_the_database_is_unreachable():
    token = api_token_issue(name="rig-1")[1]
    client = Client(raise_request_exception=False)

    with unreachable_database():
        response = client.post(
            "/api/v1/scans",
            data={"usid": "U1", "stage": "smd"},
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    error = response.json()["error"]
    assert error["code"] == "database_unavailable"
    assert "Send it again" in error["message"]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_page_explains_that_the_database_is_unreachable_and_retries(operator):
    client = Client(raise_request_exception=False)
    client.force_login(operator)

    with unreachable_database():
        response = client.get("/parts/")

    assert response.status_code == 503
    page = response.content.decode()
    assert "The database is not answering" in page
    assert 'http-equiv="refresh"' in page


def test_an_unexpected_failure_in_the_api_still_answers_json(rf):
    request = rf.post("/api/v1/scans")
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(request)

    assert response.status_code == 500
    assert json.loads(response.content)["error"]["code"] == "server_error"


def test_an_unexpected_failure_on_a_page_shows_the_plain_server_error_page(rf):
    request = rf.get("/parts/")
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(request)

    assert response.status_code == 500
    assert b"Server Error" in response.content
