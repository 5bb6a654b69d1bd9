"""Reading a unit and writing its fields over HTTP, through the part's current model."""

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


def write(client, part, usid, fields):
    return client.post(
        reverse("units:fields", args=[part.pk, usid]),
        data=json.dumps({"fields": fields}),
        content_type="application/json",
    )


def test_a_unit_reads_with_its_stages_and_fields(client_for, operator, part, unit):
    response = client_for(operator).get(reverse("units:detail", args=[part.pk, "U000123"]))

    assert response.status_code == 200
    body = response.json()
    assert body["stages"]["smd"]["done"] is True
    assert body["stages"]["smd"]["result"] == "pass"
    assert body["fields"] == {"firmware": None, "runs": None}


def test_an_engineer_writes_a_units_fields(client_for, engineer, part, unit):
    response = write(client_for(engineer), part, "U000123", {"firmware": "1.4.2", "runs": "3"})

    assert response.status_code == 200
    assert response.json()["fields"] == {"firmware": "1.4.2", "runs": 3}


def test_a_bad_value_is_refused_naming_the_field_and_writes_nothing(
    client_for, engineer, part, unit
):
    response = write(client_for(engineer), part, "U000123", {"firmware": "2.0", "runs": "many"})

    assert response.status_code == 400
    assert "runs" in response.json()["error"]["fields"]
    assert part.unit_model().objects.get().f_firmware is None


def test_unknown_units_fields_and_parts_without_table_get_404_or_400(
    client_for, engineer, part, unit, make_part
):
    client = client_for(engineer)

    assert write(client, part, "NOPE", {"runs": 1}).status_code == 404
    assert write(client, part, "U000123", {"colour": "red"}).status_code == 400
    bare = make_part("BARE")
    assert (
        client.get(reverse("units:detail", args=[bare.pk, "U1"])).json()["error"]["code"]
        == "no_unit_table"
    )


def test_an_operator_may_read_but_not_write(client_for, operator, part, unit):
    assert write(client_for(operator), part, "U000123", {"runs": 1}).status_code == 403
