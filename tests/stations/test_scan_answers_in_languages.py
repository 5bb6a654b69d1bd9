"""A scan's answer speaks the operator's language: the scan screen's htmx answer and the scan
API's ``message``, in Hindi and Spanish, for a real refusal (stage order) and a real success.
Codes and JSON keys stay as they are. Numbers sent as text are refused naming the field."""

import json
from types import SimpleNamespace

import pytest
from django.utils import translation

from procedures.config import field_value_problem
from shopfloor.scanning.services import api_token_issue
from shopfloor.scanning.stage_data import number_text_problem, value_from_text
from shopfloor.stations.models import ScanEvent
from tests.stations.scan_support import part_with_procedure, scan
from tests.stations.stage_data_support import TESTED_PROCEDURE

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}

# U1 has passed SMD: at DISPATCH it is refused (QC is not done), at QC it passes.
SAID = {
    "hi": (
        "U1 को DISPATCH पर दर्ज नहीं किया जा सकता: QC अभी पूरा नहीं हुआ।",
        "U1 QC पर दर्ज हुआ: पास।",
        "अस्वीकृत",
    ),
    "es": (
        "U1 no se puede registrar en DISPATCH: QC aún no está completada.",
        "U1 registrado en QC: pasa.",
        "Rechazado",
    ),
}


@pytest.fixture
def part(engineer):
    part = part_with_procedure(engineer)
    scan("U1", "smd", part_no=part.part_no)
    return part


@pytest.mark.parametrize("language", ["hi", "es"])
def test_the_scan_screen_answers_a_refusal_and_a_success_in_the_operators_language(
    client_for, operator, make_station, part, language
):
    dispatch = make_station("PACK-1", "dispatch", parts=[part])
    qc = make_station("QC-1", "qc", parts=[part])
    client = client_for(operator)
    headers = {**HTMX, "Accept-Language": language}

    early = client.post(f"/stations/{dispatch.pk}/scan/", {"code": "U1"}, headers=headers)
    passed = client.post(f"/stations/{qc.pk}/scan/", {"code": "U1"}, headers=headers)

    refusal, success, refused_word = SAID[language]
    early, passed = early.content.decode(), passed.content.decode()
    assert 'data-status="refused"' in early and 'data-code="stage_order"' in early
    assert refusal in early and refused_word in early
    assert 'data-status="recorded"' in passed and success in passed
    assert "recorded at" not in passed and "Recorded" not in passed
    assert list(ScanEvent.objects.filter(usid="U1").values_list("stage", flat=True)) == [
        "qc",
        "smd",
    ]


@pytest.mark.parametrize("language", ["hi", "es"])
def test_the_scan_api_says_its_refusal_and_its_success_in_the_asked_language(
    client, part, language
):
    token = api_token_issue(name="rig-1")[1]
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": language}

    def post(body):
        return client.post(
            "/api/v1/scans", json.dumps(body), content_type="application/json", headers=headers
        )

    refused = post({"usid": "U1", "stage": "dispatch"})
    recorded = post({"usid": "U1", "stage": "qc"})

    refusal, success, _word = SAID[language]
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert (error["code"], error["missing"], error["message"]) == ("stage_order", ["qc"], refusal)
    assert recorded.status_code == 201
    assert (recorded.json()["status"], recorded.json()["message"]) == ("recorded", success)
    assert not ScanEvent.objects.filter(usid="U1", stage="dispatch").exists()


@pytest.mark.parametrize("sent", ["1.234,5", "1,2,3", "5,01"])
def test_a_number_sent_as_text_is_refused_naming_its_field_and_nothing_is_written(
    client, engineer, sent
):
    part = part_with_procedure(engineer, "PSU_Part", TESTED_PROCEDURE)
    scan("U1", "smd", part_no=part.part_no)
    token = api_token_issue(name="rig-1")[1]

    answer = client.post(
        "/api/v1/scans",
        json.dumps({"usid": "U1", "stage": "testing", "data": {"v_out": sent}}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "es"},
    )

    assert answer.status_code == 400
    field = answer.json()["error"]["fields"]["data.v_out"]
    assert field.startswith(f"Output voltage: '{sent}' no es un número")
    assert "sin separadores de miles" in field
    assert not ScanEvent.objects.filter(stage="testing").exists()


def test_limits_are_written_in_the_readers_number_format(client, engineer):
    part = part_with_procedure(engineer, "PSU_Part", TESTED_PROCEDURE)
    scan("U1", "smd", part_no=part.part_no)
    token = api_token_issue(name="rig-1")[1]

    answer = client.post(
        "/api/v1/scans",
        json.dumps({"usid": "U1", "stage": "testing", "result": "pass", "data": {"v_out": 5.5}}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "es"},
    )

    assert answer.status_code == 409
    assert answer.json()["error"]["fields"]["data.v_out"] == (
        "Output voltage 5,5 V está fuera de sus límites (4,75 a 5,25 V)."
    )


@pytest.mark.parametrize(
    "language, typed, read",
    [
        ("es", "1,5", 1.5),
        ("es", "1.5", 1.5),
        ("es", "0,125", 0.125),
        ("en", "1.5", 1.5),
        ("hi", "-2.25", -2.25),
        ("es", "1,234", None),  # a thousand, or one and a bit: refused, not guessed
        ("es", "1.234,5", None),
        ("en", "1,5", None),
        ("en", "1_000", None),
        ("en", "nan", None),
    ],
)
def test_a_number_typed_on_a_page_is_read_in_the_readers_language_or_refused(language, typed, read):
    weight = SimpleNamespace(type="decimal", label="Weight", entry={"type": "decimal"})

    with translation.override(language):
        value = value_from_text(weight, typed)
        problem = number_text_problem(weight, value) or field_value_problem(
            weight.entry, value, name=weight.label
        )

    if read is None:  # kept as typed, and refused with a reason
        assert value == typed and problem
    else:
        assert value == read and problem == ""
