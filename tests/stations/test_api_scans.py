"""Scan API v1 answers as the product brief's contract says."""

import pytest

from shopfloor.scanning.services import api_token_issue, unit_hold
from shopfloor.stations.models import ScanEvent
from tests.stations.scan_support import part_with_procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def part(engineer):
    return part_with_procedure(engineer)


def test_a_recorded_scan_answers_201_and_a_repeat_200(api, device_token, part):
    body = {"usid": "U000123", "stage": "smd", "part_no": part.part_no, "tag_no": "T-55"}

    first = api.post(body, token=device_token)
    repeat = api.post(body, token=device_token)

    assert first.status_code == 201
    assert first.json()["status"] == "recorded" and first.json()["event_id"]
    assert repeat.status_code == 200
    assert repeat.json()["status"] == "already_recorded"
    assert ScanEvent.objects.get().token.name == "test-rig-1"


def test_the_products_example_body_is_recorded(api, device_token, part, make_station):
    make_station("QC-1", "qc")
    api.post({"usid": "U000123", "stage": "smd", "part_no": part.part_no}, token=device_token)
    body = {
        "usid": "U000123",
        "stage": "qc",
        "result": "fail",
        "part_no": "EICS112_Part",
        "tag_no": "T-55",
        "defect": "solder_bridge",
        "station": "QC-1",
    }

    response = api.post(body, token=device_token)

    assert response.status_code == 201
    event = ScanEvent.objects.get(stage="qc")
    assert (event.result, event.defect.code, event.station.name) == (
        "fail",
        "solder_bridge",
        "QC-1",
    )


def test_stage_order_is_409_with_the_missing_stages(api, device_token, part):
    api.post({"usid": "U1", "stage": "smd", "part_no": part.part_no}, token=device_token)

    response = api.post({"usid": "U1", "stage": "dispatch"}, token=device_token)

    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["code"], error["missing"]) == ("stage_order", ["qc"])
    assert ScanEvent.objects.count() == 1


def test_a_held_unit_is_409_on_hold(api, device_token, part, supervisor):
    api.post({"usid": "U1", "stage": "smd", "part_no": part.part_no}, token=device_token)
    unit_hold(usid="U1", reason="Suspect", user=supervisor)

    response = api.post({"usid": "U1", "stage": "qc"}, token=device_token)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "on_hold"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"usid": "U9", "stage": "qc"}, "unknown_unit"),
        ({"usid": "U9", "stage": "smd", "part_no": "NOPE"}, "unknown_part"),
    ],
)
def test_unknown_units_and_parts_are_404(api, device_token, part, body, code):
    response = api.post(body, token=device_token)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == code
    assert not ScanEvent.objects.exists()


def test_a_station_token_registers_units_to_its_stations_part(api, part, make_station):
    make_station("SMD-1", "smd", parts=[part])
    secret = api_token_issue(name="SMD-1")[1]

    response = api.post({"usid": "U1", "stage": "smd"}, token=secret)

    assert response.status_code == 201
    assert response.json()["part_no"] == part.part_no
    assert ScanEvent.objects.get().station.name == "SMD-1"


def test_the_unit_endpoint_gives_part_stage_states_and_history(api, device_token, part):
    api.post({"usid": "U1", "stage": "smd", "part_no": part.part_no}, token=device_token)
    api.post(
        {"usid": "U1", "stage": "qc", "result": "fail", "defect": "damaged"}, token=device_token
    )

    body = api.get("/api/v1/units/U1", token=device_token).json()

    assert (body["part_no"], body["on_hold"]) == (part.part_no, True)
    states = {s["key"]: (s["done"], s["result"]) for s in body["stages"]}
    assert states == {
        "smd": (True, "pass"),
        "leaded": (False, None),
        "qc": (False, "fail"),
        "dispatch": (False, None),
    }
    assert [(e["stage"], e["result"], e["defect"]) for e in body["history"]] == [
        ("smd", "pass", ""),
        ("qc", "fail", "damaged"),
    ]
    assert body["history"][0]["by"] == "test-rig-1"


def test_the_summary_counts_units_per_stage_done_and_pending(api, device_token, part):
    for usid in ("U1", "U2", "U3"):
        api.post({"usid": usid, "stage": "smd", "part_no": part.part_no}, token=device_token)
    api.post({"usid": "U1", "stage": "qc"}, token=device_token)
    api.post(
        {"usid": "U2", "stage": "qc", "result": "fail", "defect": "damaged"}, token=device_token
    )

    body = api.get(f"/api/v1/parts/{part.part_no}/summary", token=device_token).json()

    assert (body["units"], body["on_hold"]) == (3, 1)
    stages = {s["key"]: (s["done"], s["pending"], s["failed"]) for s in body["stages"]}
    assert stages == {"smd": (3, 0, 0), "leaded": (0, 3, 0), "qc": (1, 2, 1), "dispatch": (0, 3, 0)}


def test_the_read_endpoints_need_a_token_and_name_unknowns(api, device_token, part):
    assert api.get("/api/v1/units/U1", token=None).status_code == 401
    assert api.get("/api/v1/units/U1", token=device_token).json()["error"]["code"] == "unknown_unit"
    missing = api.get("/api/v1/parts/NOPE/summary", token=device_token)
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "unknown_part")
