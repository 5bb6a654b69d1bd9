"""The procedure editor's field form: a measurement's unit and limits, a default and unique,
checked as typed and saved into procedure_config v1."""

import pytest
from django.urls import reverse

from procedures.models import PartProcedureDetail
from tests.procedures.editor_posts import editor_post, field, stage, text_of

pytestmark = pytest.mark.django_db


def edit_url(part):
    return reverse("procedures:edit", args=[part.pk])


def test_a_measurement_with_limits_a_default_and_a_unique_field_are_saved(htmx_post, part):
    fields = [
        field(
            "v_out",
            "Output voltage",
            type="measurement",
            unit="V",
            min="4.75",
            max="5.25",
            stage="testing",
            required=True,
        ),
        field("mac", "MAC address", stage="testing", unique=True),
        field("cycles", "Cycles", type="integer", default="3"),
    ]
    data = editor_post([stage("testing", result="pass_fail")], fields, action="save")

    html = htmx_post(edit_url(part), data).content.decode()

    assert "Saved version 1 of the procedure." in html, text_of(html)[:2000]
    saved = PartProcedureDetail.objects.get(model_part=part).procedure_config["fields"]
    assert saved[0] | {} == {
        "key": "v_out",
        "label": "Output voltage",
        "type": "measurement",
        "required": True,
        "stage": "testing",
        "unit": "V",
        "min": 4.75,
        "max": 5.25,
    }
    assert saved[1]["unique"] is True
    assert saved[2]["default"] == 3
    assert 'name="fields-0-min" value="4.75"' in html


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"min": "5", "max": "4"}, "The highest value allowed (4) is below the lowest (5)"),
        ({"min": "low"}, 'The lowest value allowed must be a number, such as 4.75, not "low".'),
    ],
)
def test_limits_are_checked_as_typed(htmx_post, part, row, expected):
    fields = [field("v_out", "Output voltage", type="measurement", **row)]
    data = editor_post([stage("testing")], fields, action="validate")

    html = htmx_post(edit_url(part), data).content.decode()

    assert expected in text_of(html)
