"""A scan sent again with the same scan_id is answered once (shared contract, "Idempotent
scans for offline stations"), through the API per token and the scan screen per person and
station."""

import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shopfloor.scanning.rules import scan_record
from shopfloor.scanning.services import api_token_issue, unit_hold
from shopfloor.scanning.tokens import token_authenticate
from shopfloor.stations.models import ScanEvent, ScanReceipt, UnitRegistration
from tests.stations.scan_support import part_with_procedure, scan
from tests.support.load_client import JsonClient, all_at_once

pytestmark = pytest.mark.django_db


@pytest.fixture
def part(engineer):
    return part_with_procedure(engineer)


def test_a_replay_gets_the_first_answer_and_writes_nothing(api, device_token, part, supervisor):
    body = {"usid": "U1", "stage": "smd", "part_no": part.part_no, "scan_id": str(uuid.uuid4())}

    first = api.post(body, token=device_token)
    unit_hold(usid="U1", reason="Dropped on the floor", user=supervisor)
    replay = api.post(body, token=device_token)

    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert ScanEvent.objects.filter(action="scan").count() == 1


def test_a_refusal_is_given_again_to_its_replay(api, device_token, part):
    body = {"usid": "U1", "stage": "qc", "part_no": part.part_no, "scan_id": "scan-7"}

    first = api.post(body, token=device_token)
    api.post({"usid": "U1", "stage": "smd", "part_no": part.part_no}, token=device_token)
    replay = api.post(body, token=device_token)

    assert first.status_code == replay.status_code
    assert replay.json() == first.json()


def test_the_same_scan_id_from_another_token_is_another_scan(api, device_token, part):
    other = api_token_issue(name="test-rig-2")[1]
    api.post({"usid": "U1", "stage": "smd", "part_no": part.part_no}, token=device_token)
    body = {"usid": "U1", "stage": "qc", "scan_id": "same-id"}

    mine = api.post(body, token=device_token)
    theirs = api.post({**body, "usid": "U1"}, token=other)

    assert mine.status_code == 201 and theirs.status_code == 200
    assert ScanReceipt.objects.count() == 2


@pytest.mark.parametrize("scan_id", ["", "x" * 65, "caf\u00e9", 7])
def test_a_bad_scan_id_is_refused_and_writes_nothing(api, device_token, part, scan_id):
    body = {"usid": "U1", "stage": "smd", "part_no": part.part_no, "scan_id": scan_id}

    response = api.post(body, token=device_token)

    assert response.status_code == 400
    assert "scan_id" in response.json()["error"]["fields"]
    assert not UnitRegistration.objects.exists() and not ScanReceipt.objects.exists()


def test_the_screen_answers_a_replay_once_per_person_and_station(
    client_for, operator, make_station, part
):
    station = make_station("SMD-1", "smd", parts=[part])
    client = client_for(operator)
    post = {"code": "U1", "result": "pass", "scan_id": "b1e0c1d2"}

    answers = [
        client.post(f"/stations/{station.pk}/scan/", post, headers={"Accept": "application/json"})
        for _ in range(2)
    ]

    assert [answer.status_code for answer in answers] == [200, 200]
    first, replay = (json.loads(answer.content) for answer in answers)
    assert first["status"] == "recorded" and replay == first
    assert ScanEvent.objects.count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent connections to one database"
)
@pytest.mark.django_db(transaction=True)
def test_replays_sent_at_the_same_moment_record_once_with_one_answer(live_server, engineer):
    part = part_with_procedure(engineer)
    token = api_token_issue(name="rig-replays")[1]
    body = {"usid": "U-NEW", "stage": "smd", "part_no": part.part_no, "scan_id": "once"}
    clients = [JsonClient(live_server.url, token) for _ in range(8)]
    try:
        answers = all_at_once([lambda c=c: c.post("/api/v1/scans", body) for c in clients])
    finally:
        for client in clients:
            client.close()

    assert {status for status, _body in answers} == {201}, answers
    assert len({json.dumps(body, sort_keys=True) for _status, body in answers}) == 1
    assert ScanEvent.objects.count() == 1 and ScanReceipt.objects.count() == 1


def _statements(captured):
    return [q["sql"] for q in captured if "SAVEPOINT" not in q["sql"].upper()]


def test_a_scan_id_costs_one_receipt_written_in_the_scans_statement_and_nothing_without_it(
    engineer,
):
    part = part_with_procedure(engineer)
    token = token_authenticate(api_token_issue(name="rig")[1])
    for usid in ("W1", "U1", "U2"):
        scan(usid, "smd", part_no=part.part_no)
    scan("W1", "qc", token=token, scan_id="warm")  # the part's plan is cached from here on

    with CaptureQueriesContext(connection) as plain:
        scan_record(usid="U1", stage="qc", source="api", token=token)
    with CaptureQueriesContext(connection) as with_id:
        scan_record(usid="U2", stage="qc", source="api", token=token, scan_id="s-2")

    plain, with_id = _statements(plain.captured_queries), _statements(with_id.captured_queries)
    assert not any("scanreceipt" in sql for sql in plain)
    receipts = [sql for sql in with_id if "scanreceipt" in sql]
    # A scan sent once is not looked for first: a replay finds its receipt taken on writing.
    assert len(receipts) == 1 and 'INSERT INTO "stations_scanreceipt"' in receipts[0]
    assert not receipts[0].startswith("SELECT")
    # PostgreSQL keeps the answer in the scan's own statement; SQLite writes it next.
    assert len(with_id) == len(plain) + (0 if connection.vendor == "postgresql" else 1)


def test_a_usid_with_a_nul_character_sent_with_a_scan_id_is_refused_plainly_twice(
    api, device_token, part
):
    body = {"usid": "\u0000\u0083", "stage": "smd", "result": "fail", "scan_id": "G"}

    answers = [api.post(body, token=device_token) for _ in range(2)]

    assert [answer.status_code for answer in answers] == [400, 400]
    assert "usid" in answers[0].json()["error"]["fields"]
    assert not UnitRegistration.objects.exists()
