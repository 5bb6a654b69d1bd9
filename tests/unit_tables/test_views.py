"""Reading a unit over HTTP, through the part's current model."""

import json

import pytest
from django.urls import reverse

from tests.unit_tables.support import config, stage

pytestmark = pytest.mark.django_db

WITH_FIELDS = config(
    stage("smd", result="pass_fail"),
    fields=[
        {"key": "firmware", "label": "Firmware", "type": "text"},
        {"key": "runs", "label": "Runs", "type": "integer"},
    ],
)


@pytest.fixture
def unit(part, apply):
    apply(part, WITH_FIELDS)
    return part.unit_model().objects.create(usid="U000123", is_smd=True, smd_result="pass")


def test_a_unit_reads_with_its_stages_and_fields(client_for, operator, part, unit):
    response = client_for(operator).get(reverse("units:detail", args=[part.pk, "U000123"]))

    assert response.status_code == 200
    body = response.json()
    assert body["stages"]["smd"]["done"] is True
    assert body["stages"]["smd"]["result"] == "pass"
    assert body["fields"] == {"firmware": None, "runs": None}


def test_no_url_writes_a_units_values_without_recording_who_changed_them(
    client_for, engineer, part, unit
):
    # Values change on the unit's page only, where each change is an event in its history.
    response = client_for(engineer).post(
        f"/parts/{part.pk}/units/U000123/fields",
        data=json.dumps({"fields": {"firmware": "1.4.2"}}),
        content_type="application/json",
    )

    assert response.status_code == 404
    assert part.unit_model().objects.get().f_firmware is None


def test_unknown_units_and_parts_without_table_get_404(client_for, engineer, part, unit, make_part):
    client = client_for(engineer)

    assert client.get(reverse("units:detail", args=[part.pk, "NOPE"])).status_code == 404
    bare = make_part("BARE")
    assert (
        client.get(reverse("units:detail", args=[bare.pk, "U1"])).json()["error"]["code"]
        == "no_unit_table"
    )
