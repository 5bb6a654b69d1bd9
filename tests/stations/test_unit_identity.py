"""Unit identity: printable ASCII only, letter case never makes a second unit, and a part's
USID pattern is checked when a unit is registered (shared contract, "Unit identity")."""

import importlib

import pytest
from django.apps import apps as global_apps

from shopfloor.scanning.rules import REFUSED
from shopfloor.scanning.selectors import unit_find
from shopfloor.stations.models import CASE_TWIN_MARK, ScanEvent, UnitRegistration
from tests.stations.scan_support import PROCEDURE, part_with_procedure, scan

pytestmark = pytest.mark.django_db
PATTERNED = {**PROCEDURE, "usid_pattern": "^PWR-[0-9]{4}$", "usid_example": "PWR-0001"}


@pytest.fixture
def part(engineer):
    return part_with_procedure(engineer)


@pytest.mark.parametrize(
    ("usid", "named", "position"),
    [
        ("HG100\u200b", "ZERO WIDTH SPACE", 6),
        ("HG1\u00e900", "'\u00e9' (U+00E9 LATIN SMALL LETTER E WITH ACUTE)", 4),
        ("HG10e\u0301", "U+0301 COMBINING ACUTE ACCENT", 6),
        ("\u041dG100", "'\u041d' (U+041D CYRILLIC CAPITAL LETTER EN)", 1),
        ("HG\U0001f600", "U+1F600", 3),
    ],
)
def test_a_usid_that_is_not_printable_ascii_is_refused_naming_the_character(
    part, usid, named, position
):
    scan("HG100", "smd", part_no=part.part_no)

    outcome = scan(usid, "smd", part_no=part.part_no)

    assert outcome.status == REFUSED and outcome.code == "invalid"
    message = outcome.details["fields"]["usid"]
    assert named in message and f"at position {position}" in message
    assert list(UnitRegistration.objects.values_list("usid", flat=True)) == ["HG100"]
    assert ScanEvent.objects.count() == 1


def test_a_tag_that_is_not_printable_ascii_is_refused(part):
    outcome = scan("U1", "smd", part_no=part.part_no, tag_no="T\u00a055")

    assert outcome.code == "invalid" and "at position 2" in outcome.details["fields"]["tag_no"]
    assert not UnitRegistration.objects.exists()


def test_another_letter_case_finds_the_unit_as_registered_and_never_makes_a_second(part):
    first = scan("PWR-0003", "smd", part_no=part.part_no)
    again = scan("pwr-0003", "smd", part_no=part.part_no)
    next_stage = scan("Pwr-0003", "qc")

    assert first.status == "recorded"
    assert again.status == "already_recorded" and again.usid == "PWR-0003"
    assert next_stage.status == "recorded" and next_stage.usid == "PWR-0003"
    assert list(UnitRegistration.objects.values_list("usid", flat=True)) == ["PWR-0003"]
    assert set(ScanEvent.objects.values_list("usid", flat=True)) == {"PWR-0003"}
    assert unit_find(usid="pwr-0003")[0].usid == "PWR-0003"


def test_the_api_names_the_unit_as_registered(api, device_token, part):
    api.post({"usid": "PWR-0003", "stage": "smd", "part_no": part.part_no}, token=device_token)

    response = api.get("/api/v1/units/pwr-0003", token=device_token)

    assert response.status_code == 200
    assert response.json()["usid"] == "PWR-0003"
    assert len(response.json()["history"]) == 1


def test_a_usid_off_the_parts_pattern_is_refused_quoting_the_example(api, device_token, engineer):
    part = part_with_procedure(engineer, config=PATTERNED)
    body = {"usid": "PWR-12", "stage": "smd", "part_no": part.part_no}

    wrong = api.post(body, token=device_token)
    right = api.post(
        {"usid": "PWR-0012", "stage": "smd", "part_no": part.part_no}, token=device_token
    )

    assert wrong.status_code == 400
    error = wrong.json()["error"]
    assert error["code"] == "invalid" and "PWR-0001" in error["fields"]["usid"]
    assert right.status_code == 201
    assert list(UnitRegistration.objects.values_list("usid", flat=True)) == ["PWR-0012"]


def test_without_an_example_the_refusal_quotes_the_pattern(engineer):
    config = {**PROCEDURE, "usid_pattern": "^PWR-[0-9]{4}$"}
    part = part_with_procedure(engineer, config=config)

    outcome = scan("X1", "smd", part_no=part.part_no)

    assert "^PWR-[0-9]{4}$" in outcome.details["fields"]["usid"]


def test_units_registered_before_a_pattern_are_never_checked_again(engineer, apply):
    part = part_with_procedure(engineer)
    scan("OLD-1", "smd", part_no=part.part_no)
    apply(part, PATTERNED)

    outcome = scan("OLD-1", "qc")

    assert outcome.status == "recorded"


def test_the_migration_keys_units_and_keeps_case_twins_reachable(part, capsys):
    migration = importlib.import_module(
        "shopfloor.stations.migrations.0004_unit_registration_usid_key"
    )
    for index, usid in enumerate(["PWR-0003", "pwr-0003", "U1"]):
        UnitRegistration.objects.create(usid=usid, usid_key=f"placeholder-{index}", part=part)

    migration.key_registered_units(global_apps, None)

    keys = dict(UnitRegistration.objects.values_list("usid", "usid_key"))
    assert keys == {"PWR-0003": "pwr-0003", "pwr-0003": CASE_TWIN_MARK + "pwr-0003", "U1": "u1"}
    printed = capsys.readouterr().out
    assert "'pwr-0003' differs only by case from the older unit 'PWR-0003'" in printed
    assert UnitRegistration.objects.find("pwr-0003").usid == "pwr-0003"
    assert UnitRegistration.objects.find("Pwr-0003").usid == "PWR-0003"
    assert UnitRegistration.objects.find("u1").usid == "U1"
