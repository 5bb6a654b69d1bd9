"""The measurement field type and the default and unique options in procedure_config v1,
and what saving them does to the unit table."""

import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from procedures.config import validate_procedure_config
from procedures.config_diff import config_changes
from procedures.services import procedure_apply, procedure_preview
from tests.stations.scan_support import part_with_procedure, scan, stage, unit_of


def cfg(*fields):
    return {"version": 1, "stages": [stage("testing", "pass_fail")], "fields": list(fields)}


def measurement(**extra):
    return {"key": "v_out", "label": "Output voltage", "type": "measurement", **extra}


def problems(config):
    with pytest.raises(ValidationError) as caught:
        validate_procedure_config(config)
    return caught.value.messages


def test_a_measurement_keeps_its_unit_and_limits():
    config = validate_procedure_config(
        cfg(measurement(unit="V", min=4.75, max=5.25, stage="testing", required=True))
    )

    field = config["fields"][0]
    assert (field["type"], field["unit"], field["min"], field["max"]) == (
        "measurement",
        "V",
        4.75,
        5.25,
    )


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (
            measurement(min=5, max=4),
            "fields[0].max: The highest value allowed (4) is below the lowest (5); swap them.",
        ),
        (
            measurement(min="low"),
            'fields[0].min: The lowest value allowed must be a number, such as 4.75, not "low".',
        ),
        (
            measurement(max=True),
            "fields[0].max: The highest value allowed must be a number, such as 4.75, not True.",
        ),
        (
            measurement(max=float("inf")),
            "fields[0].max: The highest value allowed must be an ordinary number, not infinity "
            "or NaN.",
        ),
        (
            measurement(unit="V" * 21),
            "fields[0].unit: The unit must be a short text such as mV, at most 20 characters.",
        ),
        (
            {"key": "fw", "label": "FW", "type": "text", "unit": "V"},
            'fields[0].unit: Only a field of type "measurement" has a unit; remove it or make the '
            'type "measurement".',
        ),
        (
            {"key": "n", "label": "N", "type": "integer", "default": "3"},
            'fields[0].default: The default value must be a whole number, not "3".',
        ),
        (
            {"key": "d", "label": "D", "type": "date", "default": "2026-02-30"},
            'fields[0].default: The default value "2026-02-30" is not a date that exists.',
        ),
        (
            {"key": "c", "label": "C", "type": "choice", "choices": ["a"], "default": "b"},
            'fields[0].default: The default value "b" is not one of the choices.',
        ),
        (
            {"key": "ok", "label": "OK", "type": "boolean", "unique": True},
            "fields[0].unique: A yes/no field cannot be unique: it has only two values to "
            "share out.",
        ),
        (
            {"key": "mac", "label": "MAC", "type": "text", "unique": "yes"},
            'fields[0].unique: This must be yes or no (true or false), not "yes".',
        ),
        (
            {"key": "mac", "label": "MAC", "type": "text", "unique": True, "default": "x"},
            "fields[0].default: A unique field cannot have a default value: every unit would "
            "get the same one.",
        ),
    ],
)
def test_bad_measurements_and_options_are_refused_in_a_sentence_naming_the_entry(field, expected):
    assert expected in problems(cfg(field))


def test_a_default_of_the_right_type_is_kept():
    field = {"key": "n", "label": "N", "type": "integer", "default": 3}

    assert validate_procedure_config(cfg(field))["fields"][0]["default"] == 3


@pytest.mark.django_db
def test_unique_is_a_unique_index_and_adding_it_over_repeating_values_is_refused(engineer):
    mac = {"key": "mac", "label": "MAC address", "type": "text", "stage": "testing"}
    part = part_with_procedure(engineer, "Net_Part", cfg(mac))
    for usid, value in [("N1", "AA"), ("N2", "AA"), ("N3", "BB")]:
        scan(usid, "testing", part_no=part.part_no, data={"mac": value})
    unique = cfg({**mac, "unique": True})

    with pytest.raises(ValidationError) as previewed:
        procedure_preview(part=part, config=unique)
    with pytest.raises(ValidationError) as applied:
        procedure_apply(part=part, config=unique, user=engineer, expected_version=1)

    for caught in (previewed, applied):
        assert 'field "mac" cannot be unique' in caught.value.messages[0]
        assert "AA held by N1, N2" in caught.value.messages[0]
    part.refresh_from_db()
    assert part.procedure.version == 1

    part.unit_model().objects.filter(usid="N2").update(f_mac="CC")  # the repeat corrected
    procedure_apply(part=part, config=unique, user=engineer, expected_version=1)
    refused = scan("N4", "testing", part_no=part.part_no, data={"mac": "BB"})

    assert (refused.code, refused.details["usid_holding"]) == ("duplicate_value", "N3")
    assert unit_of(part, "N4") is None


def test_the_history_names_changed_limits_default_and_unique():
    old = cfg(measurement(unit="V", min=0, max=5), {"key": "mac", "label": "MAC", "type": "text"})
    new = cfg(
        measurement(unit="mV", min=0, max=5000),
        {"key": "mac", "label": "MAC", "type": "text", "unique": True},
    )

    details = [detail for change in config_changes(old, new) for detail in change.details]

    assert "unit: V → mV" in details
    assert "max: 5 → 5000" in details
    assert "unique: no → yes" in details
    assert not any(detail.startswith("min") for detail in details)


@pytest.mark.django_db
def test_export_then_import_keeps_measurements_defaults_and_unique(client_for, engineer):
    fields = [
        measurement(unit="V", min=4.75, max=5.25, stage="testing", required=True),
        {"key": "mac", "label": "MAC", "type": "text", "stage": "testing", "unique": True},
        {"key": "batch", "label": "Batch", "type": "integer", "default": 7},
    ]
    source = part_with_procedure(engineer, "Source_Part", cfg(*fields))
    target = part_with_procedure(engineer, "Target_Part", cfg())
    client = client_for(engineer)
    exported = client.get(reverse("procedures:export", args=[source.pk])).content

    html = client.post(
        reverse("procedures:import", args=[target.pk]),
        {"file": SimpleUploadedFile("p.json", exported, content_type="application/json")},
    ).content.decode()

    assert json.loads(exported)["fields"] == source.procedure.procedure_config["fields"]
    assert 'name="fields-0-type"' in html and 'value="4.75"' in html and 'value="5.25"' in html
    assert re.search(r'<input[^>]*name="fields-1-unique"[^>]*checked', html)
    assert 'name="fields-2-default" value="7"' in html
