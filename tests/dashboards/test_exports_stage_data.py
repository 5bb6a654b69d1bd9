"""Exports carry the values captured at the stages: the units export one column per field,
headed by its label and unit; the events export each event's values."""

import json

import pytest

from tests.dashboards.test_exports import csv_rows, exported, xlsx_rows
from tests.stations.scan_support import part_with_procedure, scan
from tests.stations.stage_data_support import TESTED_PROCEDURE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path / "exports"


@pytest.fixture
def part(engineer, defect_reasons):
    part = part_with_procedure(engineer, "PSU_Part", TESTED_PROCEDURE)
    scan("U1", "smd", part_no=part.part_no)
    scan("U1", "testing", data={"v_out": 5.02, "mac": "=cmd", "calibrated_on": "2026-11-02"})
    return part


def test_the_units_export_has_a_column_per_field_with_label_and_unit(client_for, supervisor, part):
    rows = csv_rows(exported(client_for(supervisor), part, "units", "csv"))

    header, unit = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert "Output voltage (V)" in header and "MAC address" in header
    assert "f_v_out" not in header
    assert float(unit["Output voltage (V)"]) == 5.02
    assert unit["MAC address"] == "'=cmd"  # never run as a formula
    assert unit["Calibrated on"] == "2026-11-02"


def test_the_events_export_carries_each_events_data(client_for, supervisor, part):
    client = client_for(supervisor)
    rows = csv_rows(exported(client, part, "events", "csv"))
    sheet = xlsx_rows(exported(client, part, "events", "xlsx").getvalue())[0]

    tested = dict(zip(rows[0], rows[2], strict=True))
    assert json.loads(tested["data"]) == {
        "calibrated_on": "2026-11-02",
        "firmware": "2.0",
        "mac": "=cmd",
        "v_out": 5.02,
    }
    assert sheet[0][-1] == "data" and json.loads(sheet[2][-1])["v_out"] == 5.02
