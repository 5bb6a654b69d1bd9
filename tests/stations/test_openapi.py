"""The scan API's OpenAPI document stays true: schemathesis drives a live server (gunicorn, in
production mode) through every operation the document lists, from its examples, its edge
cases, random input and chains of calls (a recorded scan's unit and part read back), and
fails on any 5xx or any answer the document does not describe."""

import json
import subprocess
import sys

import pytest

from shopfloor.scanning.services import api_token_issue
from shopfloor.stations.models import Station
from tests.genealogy.genealogy_support import Line
from tests.stations.scan_support import part_with_procedure, scan
from tests.stations.stage_data_support import TESTED_PROCEDURE
from tests.support.servers import Gunicorn, http_request

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live_api(shared_database, engineer, tmp_path):
    part = part_with_procedure(engineer)
    for n in range(1, 4):
        scan(f"U{n:05d}", "smd", part_no=part.part_no)
    Station.objects.create(name="QC-1", line="Line A", stage="qc").parts.set([part])
    # A genealogy for the trace API: PSU board P-1 and paste lot LOT-P in controller C-1, a
    # controller waiting at assembly, and a part whose test stage records a measurement.
    line = Line(engineer)
    line.finished_controller("C-1", line.finished_psu("P-1"), paste="LOT-P")
    line.controller_at_assembly("C-2")
    tested = part_with_procedure(engineer, "TST_Part", TESTED_PROCEDURE)
    scan("T-1", "smd", part_no=tested.part_no)
    token = api_token_issue(name="schemathesis", may_read=True)[1]
    # Static files collected: a probe off the API gets the 404 page, rendered in production mode.
    server = Gunicorn(database_url=shared_database, log_dir=tmp_path, workers=2, pages=True)
    yield server, token
    server.stop()


def test_the_document_is_served_to_a_token_and_lists_every_api_operation(live_api):
    server, token = live_api
    status, body = http_request(
        server.url, "GET", "/api/v1/openapi.json", headers={"Authorization": f"Bearer {token}"}
    )
    document = json.loads(body)

    assert status == 200 and document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {
        "/api/v1/scans",
        "/api/v1/units/{usid}",
        "/api/v1/parts/{part_no}/summary",
        "/api/v1/trace",
        "/api/v1/openapi.json",
    }
    assert http_request(server.url, "GET", "/api/v1/openapi.json")[0] == 401


def test_schemathesis_finds_no_server_error_and_no_answer_off_the_document(live_api, tmp_path):
    server, token = live_api
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            f"{server.url}/api/v1/openapi.json",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            "all",
            "--exclude-checks",
            # A refused scan is the point of many generated bodies (an unknown unit, a stage
            # out of order): the document says which answers a valid body may get.
            "positive_data_acceptance,ignored_auth",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--max-examples",
            "60",
            "--workers",
            "1",
            "--seed",
            "22",
            "--no-color",
        ],
        cwd=tmp_path,  # schemathesis keeps its cache of crashes in the working folder
        capture_output=True,
        text=True,
        timeout=900,
    )

    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert server.server_errors() == []
