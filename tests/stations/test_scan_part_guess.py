"""A registered unit's scan is tried first on the part its place scanned last, in one statement
that checks the unit is registered to that part at the procedure version guessed: a wrong guess
writes nothing and the scan is decided as before, with the same answer."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parts.services import part_archive
from procedures.models import PartProcedureDetail
from shopfloor.scanning.plans import part_plan
from shopfloor.scanning.services import unit_hold
from shopfloor.scanning.sql import EVENT_FIELDS, record_first
from shopfloor.stations.models import ScanEvent, UnitRegistration
from tests.stations.scan_support import part_with_procedure, unit_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def part(engineer):
    return part_with_procedure(engineer)


@pytest.fixture
def other_part(engineer):
    return part_with_procedure(engineer, part_no="EICS200_Part")


def _register(api, token, part, *usids):
    for usid in usids:
        answer = api.post({"usid": usid, "stage": "smd", "part_no": part.part_no}, token=token)
        assert answer.status_code == 201, answer.json()


def _statements(captured):
    return [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]


def test_a_next_stage_api_scan_of_a_known_part_is_one_statement(api, device_token, part):
    _register(api, device_token, part, "U0", "U1")
    assert api.post({"usid": "U0", "stage": "qc"}, token=device_token).status_code == 201

    with CaptureQueriesContext(connection) as captured:
        answer = api.post({"usid": "U1", "stage": "qc"}, token=device_token)

    assert answer.status_code == 201
    assert answer.json()["part_no"] == part.part_no
    statements = _statements(captured)
    # The unit's registration is checked by the statement that records QC, not read before it
    # (on SQLite the event's INSERT follows the UPDATE in the same transaction).
    assert "stations_unitregistration" in statements[0], statements
    assert len(statements) == (1 if connection.vendor == "postgresql" else 2), statements
    assert unit_of(part, "U1")["is_qc"]


def test_a_new_units_registration_is_not_tried_on_the_guessed_part_first(api, device_token, part):
    _register(api, device_token, part, "U0")

    with CaptureQueriesContext(connection) as captured:
        _register(api, device_token, part, "U1")

    # A scan at a stage new units start at is most often a registration: no UPDATE of a unit
    # row that is not there yet before it.
    assert not any(sql.startswith(("UPDATE", "WITH unit")) for sql in _statements(captured))
    assert unit_of(part, "U1")["is_smd"]


def test_a_unit_of_another_part_is_recorded_on_its_own_part(api, device_token, part, other_part):
    _register(api, device_token, part, "A1")
    _register(api, device_token, other_part, "B1")
    # The token's last scans were of part's units; B1 belongs to other_part.
    assert api.post({"usid": "A1", "stage": "qc"}, token=device_token).status_code == 201

    answer = api.post({"usid": "B1", "stage": "qc"}, token=device_token)

    assert answer.status_code == 201
    assert answer.json()["part_no"] == other_part.part_no
    assert unit_of(other_part, "B1")["is_qc"]
    assert ScanEvent.objects.get(usid="B1", stage="qc").part_id == other_part.pk
    # And back again: the guess moved to other_part, A2 is still part's.
    _register(api, device_token, part, "A2")
    assert api.post({"usid": "A2", "stage": "qc"}, token=device_token).json()["part_no"] == (
        part.part_no
    )


def test_a_unit_sent_with_another_parts_number_is_refused_and_nothing_written(
    api, device_token, part, other_part
):
    _register(api, device_token, part, "A1", "A2")
    _register(api, device_token, other_part, "B1")
    body = {"usid": "A1", "stage": "qc", "part_no": part.part_no}
    assert api.post(body, token=device_token).status_code == 201

    answer = api.post({"usid": "B1", "stage": "qc", "part_no": part.part_no}, token=device_token)

    assert answer.status_code == 409
    assert (answer.json()["error"]["code"], answer.json()["error"]["part_no"]) == (
        "other_part",
        other_part.part_no,
    )
    assert not ScanEvent.objects.filter(usid="B1", stage="qc").exists()
    assert not unit_of(other_part, "B1")["is_qc"]


def test_a_unit_row_whose_registration_is_gone_is_not_recorded(api, device_token, part):
    _register(api, device_token, part, "U0", "U1")
    assert api.post({"usid": "U0", "stage": "qc"}, token=device_token).status_code == 201
    UnitRegistration.objects.filter(usid="U1").delete()

    answer = api.post({"usid": "U1", "stage": "qc"}, token=device_token)

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "unknown_unit"
    assert not unit_of(part, "U1")["is_qc"]
    assert not ScanEvent.objects.filter(usid="U1", stage="qc").exists()


def test_a_usid_sent_in_another_letter_case_is_recorded_as_registered(api, device_token, part):
    _register(api, device_token, part, "U0", "PWR-7")
    assert api.post({"usid": "U0", "stage": "qc"}, token=device_token).status_code == 201

    answer = api.post({"usid": "pwr-7", "stage": "qc"}, token=device_token)

    assert (answer.status_code, answer.json()["usid"]) == (201, "PWR-7")
    assert ScanEvent.objects.get(stage="qc", usid="PWR-7").part_id == part.pk


def test_a_held_unit_is_refused_and_nothing_written(api, device_token, part, supervisor):
    _register(api, device_token, part, "U0", "U1")
    assert api.post({"usid": "U0", "stage": "qc"}, token=device_token).status_code == 201
    unit_hold(usid="U1", reason="Suspect", user=supervisor)

    answer = api.post({"usid": "U1", "stage": "qc"}, token=device_token)

    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "on_hold")
    assert not unit_of(part, "U1")["is_qc"]


def test_a_stage_out_of_order_is_refused_and_nothing_written(api, device_token, part):
    _register(api, device_token, part, "U0", "U1")
    assert api.post({"usid": "U0", "stage": "qc"}, token=device_token).status_code == 201

    answer = api.post({"usid": "U1", "stage": "dispatch"}, token=device_token)

    assert answer.status_code == 409
    assert (answer.json()["error"]["code"], answer.json()["error"]["missing"]) == (
        "stage_order",
        ["qc"],
    )
    assert not unit_of(part, "U1")["is_dispatch"]


def test_a_part_whose_procedure_is_being_changed_is_refused(api, device_token, part):
    _register(api, device_token, part, "U0", "U1")
    assert api.post({"usid": "U0", "stage": "qc"}, token=device_token).status_code == 201
    PartProcedureDetail.objects.filter(model_part=part).update(changing_since=timezone.now())

    answer = api.post({"usid": "U1", "stage": "qc"}, token=device_token)

    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "procedure_changing")
    assert not unit_of(part, "U1")["is_qc"]


def test_an_archived_part_is_refused(api, device_token, part, engineer):
    _register(api, device_token, part, "U0", "U1")
    assert api.post({"usid": "U0", "stage": "qc"}, token=device_token).status_code == 201
    part_archive(part=part, archived_by=engineer)

    answer = api.post({"usid": "U1", "stage": "qc"}, token=device_token)

    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "part_archived")
    assert not unit_of(part, "U1")["is_qc"]


@pytest.mark.parametrize(
    "wrong",
    ["version", "fingerprint", "part_no", "part", "usid_case", "none"],
)
def test_the_record_statement_writes_nothing_unless_the_guess_holds(
    api, device_token, part, other_part, wrong
):
    """A guess the database does not hold, as another server process's procedure change
    leaves this process's: the statement itself refuses it."""
    _register(api, device_token, part, "U1")
    _register(api, device_token, other_part, "X1")
    procedure = PartProcedureDetail.objects.get(model_part=part)
    plan = part_plan(part.pk, procedure.version, procedure.schema_fingerprint)
    guess = {
        "part_no": part.part_no,
        "version": procedure.version,
        "fingerprint": procedure.schema_fingerprint,
    }
    usid = "U1"
    if wrong == "version":
        guess["version"] += 1
    elif wrong == "fingerprint":
        guess["fingerprint"] += "x"
    elif wrong == "part_no":
        guess["part_no"] = other_part.part_no
    elif wrong == "part":
        # X1's row copied into part's table: the registration still says other_part.
        part.unit_model().objects.create(usid="X1", is_smd=True, smd_result="pass")
        usid = "X1"
    elif wrong == "usid_case":
        usid = "u1"
        part.unit_model().objects.create(usid="u1", is_smd=True, smd_result="pass")
    stage = plan.stage("qc")
    now = timezone.now()
    values = {stage.flag: True, stage.at: now, stage.by: None, stage.result: "pass"}
    event = dict.fromkeys(EVENT_FIELDS, None) | {
        "created_at": now,
        "usid": usid,
        "part_id": part.pk,
        "stage": "qc",
        "action": ScanEvent.Action.SCAN,
        "result": "pass",
        "source": ScanEvent.Source.API,
        "tag_no": "",
        "reason": "",
    }

    event_id = record_first(
        plan=plan,
        stage=stage,
        usid=usid,
        values={**values, "on_hold": False, "updated_at": now},
        event=event,
        savepoint=True,
        registration=(guess["part_no"], guess["version"], guess["fingerprint"]),
    )

    recorded = ScanEvent.objects.filter(stage="qc").exists()
    if wrong == "none":
        assert event_id is not None and recorded and unit_of(part, "U1")["is_qc"]
    else:
        assert event_id is None and not recorded
        assert not unit_of(part, usid)["is_qc"]


def test_a_part_with_a_stale_changing_flag_is_still_recorded(api, device_token, part):
    """A changing flag left by a worker that died is not obeyed: the statement does not
    take it as the guess's, the part is read and the scan recorded."""
    _register(api, device_token, part, "U0", "U1")
    old = timezone.now() - timedelta(days=1)
    PartProcedureDetail.objects.filter(model_part=part).update(changing_since=old)
    assert api.post({"usid": "U0", "stage": "qc"}, token=device_token).status_code == 201

    answer = api.post({"usid": "U1", "stage": "qc"}, token=device_token)

    assert answer.status_code == 201
    assert unit_of(part, "U1")["is_qc"]
