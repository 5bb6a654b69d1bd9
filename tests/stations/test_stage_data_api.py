"""Values captured at a stage through the scan API: checked, recorded with the scan, and
refused (writing nothing) as the contract says."""

import copy

import pytest

from procedures.services import procedure_apply
from shopfloor.stations.models import ScanEvent
from tests.stations.scan_support import part_with_procedure, stage, unit_of
from tests.stations.stage_data_support import TESTED_PROCEDURE

pytestmark = pytest.mark.django_db


@pytest.fixture
def part(engineer):
    return part_with_procedure(engineer, "PSU_Part", TESTED_PROCEDURE)


@pytest.fixture
def smd_done(api, device_token, part):
    """Units U1 to U3 registered at SMD, ready for Testing."""
    for usid in ("U1", "U2", "U3"):
        api.post({"usid": usid, "stage": "smd", "part_no": part.part_no}, token=device_token)


def at_testing(usid, data, **extra):
    return {"usid": usid, "stage": "testing", "data": data, **extra}


def test_values_are_recorded_with_the_scan_on_the_unit_and_its_event(
    api, device_token, part, smd_done
):
    data = {"v_out": 5.01, "mac": "00:1A:2B:3C:4D:5E", "calibrated_on": "2026-11-02"}

    response = api.post(at_testing("U1", data), token=device_token)

    assert response.status_code == 201
    assert response.json()["result"] == "pass"
    unit = unit_of(part, "U1")
    assert float(unit["f_v_out"]) == 5.01
    assert unit["f_mac"] == "00:1A:2B:3C:4D:5E"
    assert unit["f_firmware"] == "2.0"  # the default, not sent
    assert str(unit["f_calibrated_on"]) == "2026-11-02"
    event = ScanEvent.objects.get(stage="testing")
    assert event.data == {**data, "firmware": "2.0"}


def test_no_result_and_a_value_outside_its_limits_records_a_fail_out_of_limits(
    api, device_token, part, smd_done
):
    response = api.post(at_testing("U1", {"v_out": 5.4}), token=device_token)

    assert response.status_code == 201
    assert response.json()["result"] == "fail"
    event = ScanEvent.objects.get(stage="testing")
    assert (event.result, event.defect.code) == ("fail", "out_of_limits")
    assert unit_of(part, "U1")["on_hold"] is True


def test_limits_are_inclusive(api, device_token, smd_done):
    low = api.post(at_testing("U1", {"v_out": 4.75}), token=device_token)
    high = api.post(at_testing("U2", {"v_out": 5.25}), token=device_token)

    assert (low.json()["result"], high.json()["result"]) == ("pass", "pass")


def test_a_sent_pass_with_a_value_outside_its_limits_is_409_and_writes_nothing(
    api, device_token, part, smd_done
):
    response = api.post(at_testing("U1", {"v_out": 4.2}, result="pass"), token=device_token)

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "out_of_limits"
    assert "4.75 to 5.25 V" in error["fields"]["data.v_out"]
    assert not ScanEvent.objects.filter(stage="testing").exists()
    assert unit_of(part, "U1")["f_v_out"] is None


def test_a_sent_fail_with_a_defect_is_recorded_as_sent(api, device_token, smd_done):
    body = at_testing("U1", {"v_out": 5.0}, result="fail", defect="damaged")

    response = api.post(body, token=device_token)

    assert response.status_code == 201
    assert ScanEvent.objects.get(stage="testing").defect.code == "damaged"


def test_a_required_value_missing_on_a_pass_is_400_naming_it(api, device_token, part, smd_done):
    response = api.post(at_testing("U1", {"mac": "AA"}), token=device_token)

    assert response.status_code == 400
    assert "Output voltage is required" in response.json()["error"]["fields"]["data.v_out"]
    assert not ScanEvent.objects.filter(stage="testing").exists()
    assert unit_of(part, "U1")["f_mac"] is None


def test_a_key_that_is_not_a_field_of_the_stage_is_refused_naming_it(api, device_token, smd_done):
    response = api.post(at_testing("U1", {"v_out": 5.0, "cycles": 3}), token=device_token)

    assert response.status_code == 400
    assert (
        "cycles is not a field of the stage TESTING"
        in (response.json()["error"]["fields"]["data.cycles"])
    )
    assert not ScanEvent.objects.filter(stage="testing").exists()


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"v_out": "five"}, "v_out", "must be a number"),
        ({"v_out": True}, "v_out", "must be a number"),
        ({"v_out": 5.0, "calibrated_on": "2026-02-30"}, "calibrated_on", "not a date that exists"),
        ({"v_out": 5.0, "calibrated_on": "30.11.2026"}, "calibrated_on", "YYYY-MM-DD"),
        ({"v_out": 5.0, "firmware": "3.0"}, "firmware", "not one of the choices"),
        ({"v_out": 5.0, "mac": "x" * 10_000}, "mac", "10,000 characters"),
        ({"v_out": 5.0, "mac": "AA\u0000"}, "mac", "character"),
        ({"v_out": 1e300}, "v_out", "too large"),
    ],
)
def test_bad_values_are_refused_naming_the_field_and_write_nothing(
    api, device_token, part, smd_done, data, field, words
):
    response = api.post(at_testing("U1", data), token=device_token)

    assert response.status_code == 400
    assert words in response.json()["error"]["fields"][f"data.{field}"]
    assert not ScanEvent.objects.filter(stage="testing").exists()
    assert unit_of(part, "U1")["is_testing"] is False


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_nan_and_infinity_are_refused(api, device_token, part, smd_done, number):
    body = '{"usid": "U1", "stage": "testing", "data": {"v_out": ' + number + "}}"

    response = api.post(body, token=device_token)

    assert response.status_code == 400
    assert not ScanEvent.objects.filter(stage="testing").exists()


def test_a_repeat_with_the_same_data_is_200_and_with_other_data_409(
    api, device_token, part, smd_done
):
    api.post(at_testing("U1", {"v_out": 5.0, "mac": "AA"}), token=device_token)

    same = api.post(at_testing("U1", {"v_out": 5.0, "mac": "AA"}), token=device_token)
    other = api.post(at_testing("U1", {"v_out": 5.1, "mac": "AA"}), token=device_token)

    assert same.status_code == 200 and same.json()["status"] == "already_recorded"
    assert other.status_code == 409
    error = other.json()["error"]
    assert error["code"] == "data_conflict"
    assert "recorded 5, sent 5.1" in error["fields"]["data.v_out"]
    assert float(unit_of(part, "U1")["f_v_out"]) == 5.0
    assert ScanEvent.objects.filter(stage="testing").count() == 1


def test_a_unique_value_another_unit_holds_is_409_naming_that_unit(
    api, device_token, part, smd_done
):
    api.post(at_testing("U1", {"v_out": 5.0, "mac": "00:1A"}), token=device_token)

    response = api.post(at_testing("U2", {"v_out": 5.0, "mac": "00:1A"}), token=device_token)

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "duplicate_value"
    assert error["usid_holding"] == "U1"
    assert "held by U1" in error["fields"]["data.mac"]
    assert unit_of(part, "U2")["is_testing"] is False
    assert ScanEvent.objects.filter(stage="testing").count() == 1


def test_a_unique_value_refused_with_a_scan_id_keeps_the_answer(api, device_token, smd_done):
    api.post(at_testing("U1", {"v_out": 5.0, "mac": "00:1A"}), token=device_token)
    body = at_testing("U2", {"v_out": 5.0, "mac": "00:1A"}, scan_id="scan-dup-1")

    first = api.post(body, token=device_token)
    again = api.post(body, token=device_token)

    assert first.status_code == again.status_code == 409
    assert again.json()["error"]["code"] == "duplicate_value"


def test_a_new_unit_registered_with_values(api, device_token, engineer):
    config = {
        **TESTED_PROCEDURE,
        "stages": [TESTED_PROCEDURE["stages"][1], TESTED_PROCEDURE["stages"][2]],
    }
    part = part_with_procedure(engineer, "Probe_Part", config)
    body = {"usid": "P1", "stage": "testing", "part_no": part.part_no, "data": {"v_out": 5.0}}
    api.post({**body, "data": {"v_out": 5.0, "mac": "M1"}}, token=device_token)

    taken = api.post({**body, "usid": "P2", "data": {"v_out": 5, "mac": "M1"}}, token=device_token)

    assert float(unit_of(part, "P1")["f_v_out"]) == 5.0
    assert taken.status_code == 409 and taken.json()["error"]["usid_holding"] == "P1"
    assert unit_of(part, "P2") is None


def test_the_unit_answer_carries_the_values_and_each_event_its_data(api, device_token, smd_done):
    api.post(at_testing("U1", {"v_out": 5.02, "mac": "AB"}), token=device_token)

    unit = api.get("/api/v1/units/U1", token=device_token).json()

    assert unit["data"] == {
        "v_out": 5.02,
        "mac": "AB",
        "firmware": "2.0",
        "calibrated_on": None,
        "cycles": None,
        "note": None,
    }
    tested = [event for event in unit["history"] if event["stage"] == "testing"]
    assert tested[0]["data"] == {"v_out": 5.02, "mac": "AB", "firmware": "2.0"}
    assert tested[0]["source"] == "api" and tested[0]["at"]


# A stage scanned without values writes its defaults, worked out once per procedure version:
# a procedure saved since must be followed by the very next scan.
DEFAULTED_PROCEDURE = {
    "version": 1,
    "stages": [stage("smd"), stage("testing", "pass_fail")],
    "fields": [
        next(entry for entry in TESTED_PROCEDURE["fields"] if entry["key"] == "firmware"),
        {"key": "v_out", "label": "Output voltage", "type": "measurement", "stage": "testing"},
    ],
}


def _procedure_changed(part, engineer, **changed):
    """DEFAULTED_PROCEDURE saved again with the fields of ``changed`` (key: changes) changed."""
    config = copy.deepcopy(DEFAULTED_PROCEDURE)
    for entry in config["fields"]:
        entry.update(changed.get(entry["key"], {}))
    procedure_apply(part=part, config=config, user=engineer)


@pytest.fixture
def defaulted(api, device_token, engineer):
    part = part_with_procedure(engineer, "DFT_Part", DEFAULTED_PROCEDURE)
    for usid in ("D1", "D2", "D3"):
        api.post({"usid": usid, "stage": "smd", "part_no": part.part_no}, token=device_token)
    return part


def test_a_scan_sending_no_values_records_the_defaults_of_the_procedure_saved_since(
    api, device_token, engineer, defaulted
):
    assert api.post({"usid": "D1", "stage": "testing"}, token=device_token).status_code == 201
    _procedure_changed(defaulted, engineer, firmware={"default": "1.1"})

    response = api.post({"usid": "D2", "stage": "testing"}, token=device_token)

    assert response.status_code == 201
    assert unit_of(defaulted, "D1")["f_firmware"] == "2.0"
    assert unit_of(defaulted, "D2")["f_firmware"] == "1.1"
    assert ScanEvent.objects.get(usid="D2", stage="testing").data == {"firmware": "1.1"}


def test_a_field_made_required_refuses_the_next_pass_sent_without_values(
    api, device_token, engineer, defaulted
):
    assert api.post({"usid": "D1", "stage": "testing"}, token=device_token).status_code == 201
    _procedure_changed(defaulted, engineer, v_out={"required": True})

    refused = api.post({"usid": "D2", "stage": "testing"}, token=device_token)
    failed = api.post(
        {"usid": "D3", "stage": "testing", "result": "fail", "defect": "solder_bridge"},
        token=device_token,
    )

    assert refused.status_code == 400
    assert "Output voltage is required" in refused.json()["error"]["fields"]["data.v_out"]
    assert not ScanEvent.objects.filter(usid="D2", stage="testing").exists()
    # A fail needs no values: it is recorded with the defaults.
    assert failed.status_code == 201, failed.json()
    assert unit_of(defaulted, "D3")["f_firmware"] == "2.0"
