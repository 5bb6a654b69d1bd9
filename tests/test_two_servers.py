"""Two app servers (separate gunicorn processes on different ports) on one PostgreSQL database
behave as one: a procedure changed through one is what the other scans by on its next request,
and scans sent through both at once, of the same units and of different ones, all land once."""

import concurrent.futures
import json

import pytest
from django.db import connection

from parts.models import ModelPart
from shopfloor.scanning.services import api_token_issue
from shopfloor.stations.models import ScanEvent, UnitRegistration
from tests.stations.scan_support import PROCEDURE, part_with_procedure, stage
from tests.support.servers import ApiConnection, Gunicorn, SignedIn, database_url_of

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="two server processes need one shared database server; the SQLite test "
        "database is in memory, private to the test process",
    ),
    pytest.mark.django_db(transaction=True),
]

STAGES = ("smd", "qc", "dispatch")  # leaded is optional and left out
UNITS = 24


@pytest.fixture
def servers(tmp_path):
    url = database_url_of(connection.settings_dict)
    pair = [Gunicorn(database_url=url, log_dir=tmp_path, workers=2, name=name) for name in "AB"]
    yield pair
    for server in pair:
        server.stop()
    for server in pair:
        assert not server.server_errors(), server.output()[-3000:]


def scan_body(usid, stage_key, part):
    body = {"usid": usid, "stage": stage_key}
    if stage_key == STAGES[0]:
        body["part_no"] = part.part_no
    return body


def send_all(jobs):
    """Send (server, token, body) jobs from 12 threads at once; their (status, answer)."""

    def send(job):
        server, token, body = job
        status, answer, _seconds = ApiConnection(server.url, token).send(
            "POST", "/api/v1/scans", body
        )
        return status, answer

    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        return list(pool.map(send, jobs))


def test_a_procedure_changed_through_one_server_is_scanned_by_on_the_other_at_once(
    servers, engineer
):
    first, second = servers
    part = part_with_procedure(engineer)
    token = api_token_issue(name="rig-two-servers")[1]
    for usid in ("U1", "U2"):
        for stage_key in ("smd", "qc"):
            status, _answer = send_all([(second, token, scan_body(usid, stage_key, part))])[0]
            assert status == 201  # the second server has built and cached the old procedure
    smd, leaded, qc, dispatch = PROCEDURE["stages"]
    new = {**PROCEDURE, "stages": [smd, leaded, qc, stage("cleaning", optional=True), dispatch]}

    status, body = SignedIn(engineer).post_json(
        first, f"/procedures/{part.pk}/apply", {"config": new, "expected_version": 1}
    )

    assert status == 200, body
    (status, answer), (old_status, old_answer) = send_all(
        [
            (second, token, {"usid": "U1", "stage": "cleaning"}),
            (second, token, {"usid": "U2", "stage": "dispatch"}),
        ]
    )
    assert status == 201, answer
    assert old_status == 201, old_answer  # cleaning is optional: dispatch is still open

    retired = {**new, "stages": [s for s in new["stages"] if s["key"] != "cleaning"]}
    status, body = SignedIn(engineer).post_json(
        second, f"/procedures/{part.pk}/apply", {"config": retired, "expected_version": 2}
    )
    assert status == 200, body
    status, answer = send_all([(first, token, {"usid": "U2", "stage": "cleaning"})])[0]
    assert status == 400
    assert "retired" in answer["error"]["fields"]["stage"]
    assert json.loads(body)["version"] == 3


def test_scans_through_both_servers_at_once_land_once_each(servers, engineer):
    first, second = servers
    part = part_with_procedure(engineer)
    tokens = [api_token_issue(name=f"rig-{name}")[1] for name in ("a", "b")]
    shared = [f"S{n:03d}" for n in range(UNITS)]  # each scan sent through both servers
    separate = [f"D{n:03d}" for n in range(UNITS)]  # each unit through one server only

    for stage_key in STAGES:
        jobs = []
        for usid in shared:
            body = scan_body(usid, stage_key, part)
            jobs += [(first, tokens[0], body), (second, tokens[1], body)]
        for index, usid in enumerate(separate):
            server = servers[index % 2]
            jobs.append((server, tokens[index % 2], scan_body(usid, stage_key, part)))
        answers = send_all(jobs)

        for index, usid in enumerate(shared):
            pair = sorted(status for status, _answer in answers[2 * index : 2 * index + 2])
            assert pair == [200, 201], (usid, stage_key, answers[2 * index : 2 * index + 2])
        assert {status for status, _answer in answers[2 * UNITS :]} == {201}

    units = shared + separate
    assert ScanEvent.objects.count() == len(units) * len(STAGES)
    for usid in units:
        stages_scanned = sorted(ScanEvent.objects.filter(usid=usid).values_list("stage", flat=True))
        assert stages_scanned == sorted(STAGES), usid
    assert sorted(UnitRegistration.objects.values_list("usid", flat=True)) == sorted(units)
    rows = (
        ModelPart.objects.get(pk=part.pk)
        .unit_model()
        .objects.values_list("usid", "is_smd", "is_qc", "is_dispatch", "on_hold")
    )
    assert sorted(rows) == sorted((usid, True, True, True, False) for usid in units)
