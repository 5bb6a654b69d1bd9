"""Bad input to the scan API: a clear 400 (or 405/404) in JSON, never a 500, nothing written."""

import json

import pytest

from shopfloor.stations.models import ScanEvent, UnitRegistration

pytestmark = pytest.mark.django_db


def assert_nothing_written():
    assert not ScanEvent.objects.exists()
    assert not UnitRegistration.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ("{not json", "body", "not valid JSON"),
        ("[1, 2]", "body", "must be a JSON object"),
        ('"U1"', "body", "must be a JSON object"),
        ("[" * 5000 + "]" * 5000, "body", "not valid JSON"),
        ({"usid": "U1", "stage": "qc", "resutl": "fail"}, "resutl", "Unknown field"),
        ({"stage": "qc"}, "usid", "Scan or type a USID"),
        ({"usid": 12345, "stage": "qc"}, "usid", "must be text"),
        ({"usid": ["U1"], "stage": "qc"}, "usid", "must be text"),
        ({"usid": "   ", "stage": "qc"}, "usid", "only spaces"),
        ({"usid": "U1\x1d240", "stage": "qc"}, "usid", "GS (group separator) at position 3"),
        ({"usid": "U1\r\nU2", "stage": "qc"}, "usid", "CR (carriage return)"),
        ({"usid": "U" * 65, "stage": "qc"}, "usid", "65 characters long"),
        ({"usid": "U1"}, "stage", "Name the stage"),
        ({"usid": "U1", "stage": "Q C"}, "stage", "is not a stage key"),
        ({"usid": "U1", "stage": {"key": "qc"}}, "stage", "must be text"),
        ({"usid": "U1", "stage": "qc", "result": "maybe"}, "result", '"pass" or "fail"'),
        ({"usid": "U1", "stage": "qc", "result": "fail"}, "defect", "needs a defect reason"),
        (
            {"usid": "U1", "stage": "qc", "result": "fail", "defect": "gremlins"},
            "defect",
            "not a defect reason",
        ),
        ({"usid": "U1", "stage": "qc", "defect": "solder_bridge"}, "defect", "only with a fail"),
        ({"usid": "U1", "stage": "qc", "part_no": 7}, "part_no", "must be text"),
        ({"usid": "U1", "stage": "qc", "tag_no": "T\x001"}, "tag_no", "NUL"),
        ({"usid": "U1", "stage": "qc", "station": "Nowhere"}, "station", "no station"),
        ({"usid": "U1", "stage": "qc", "station": 3}, "station", "must be text"),
    ],
)
def test_bad_scan_input_is_refused_with_400_naming_the_field(api, device_token, body, field, words):
    response = api.post(body, token=device_token)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert words in error["fields"][field]
    assert_nothing_written()


def test_a_huge_body_is_refused_without_reading_it_all(api, device_token):
    body = json.dumps({"usid": "U1", "stage": "qc", "tag_no": "x" * 100_000})

    response = api.post(body, token=device_token)

    assert response.status_code == 400
    assert "larger than 16 KB" in response.json()["error"]["fields"]["body"]
    assert_nothing_written()


def test_every_refused_field_is_named_at_once(api, device_token):
    response = api.post({"usid": "", "stage": "", "result": "x"}, token=device_token)

    assert set(response.json()["error"]["fields"]) == {"usid", "stage", "result"}


def test_a_wrong_method_and_an_unknown_endpoint_answer_json(client, api, device_token):
    wrong_method = api.get("/api/v1/scans", token=device_token)
    unknown = api.get("/api/v1/scan", token=device_token)

    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "not_found"


def test_the_api_needs_no_csrf_token_but_a_bearer_token(client, device_token):
    csrf_client = type(client)(enforce_csrf_checks=True)

    response = csrf_client.post(
        "/api/v1/scans",
        data={"usid": ""},
        content_type="application/json",
        headers={"Authorization": f"Bearer {device_token}"},
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
