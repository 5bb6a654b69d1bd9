"""A unit's values on its page: each with who, when and where it was recorded; the fields
without a stage changed there by engineers and supervisors, every change an event with the
old and the new value."""

import pytest
from django.urls import reverse

from shopfloor.stations.models import ScanEvent
from tests.stations.scan_support import part_with_procedure, scan, unit_of
from tests.stations.stage_data_support import TESTED_PROCEDURE

pytestmark = pytest.mark.django_db

NOTE_AND_BATCH = {
    **TESTED_PROCEDURE,
    "fields": [
        *TESTED_PROCEDURE["fields"],
        {"key": "batch", "label": "Batch", "type": "integer"},
        {"key": "serial_sticker", "label": "Sticker", "type": "text", "unique": True},
    ],
}


@pytest.fixture
def part(engineer, defect_reasons):
    part = part_with_procedure(engineer, "PSU_Part", NOTE_AND_BATCH)
    for usid in ("U1", "U2"):
        scan(usid, "smd", part_no=part.part_no)
    scan("U1", "testing", data={"v_out": 5.6})
    return part


def values_url(usid):
    return reverse("stations:unit-values", args=[usid])


def test_the_page_shows_each_value_with_who_when_and_where(client_for, supervisor, part):
    html = client_for(supervisor).get(reverse("dashboards:unit", args=["U1"])).content.decode()

    assert 'data-testid="unit-values"' in html
    assert "5.6 V" in html and 'data-limits="outside"' in html
    assert "Scan API" in html  # where the value came from
    assert "Output voltage: 5.6 V" in html  # the scan's entry in the timeline


@pytest.mark.parametrize("role", ["engineer", "supervisor"])
def test_a_value_change_is_an_event_with_old_and_new_value(client_for, part, request, role):
    user = request.getfixturevalue(role)
    client = client_for(user)

    client.post(values_url("U1"), {"note": "rework ok", "batch": "12"})
    response = client.post(values_url("U1"), {"note": "rework ok", "batch": "13"})

    assert response.status_code == 302
    unit = unit_of(part, "U1")
    assert (unit["f_note"], unit["f_batch"]) == ("rework ok", 13)
    edits = list(ScanEvent.objects.filter(action="edit").order_by("id"))
    assert edits[0].data == {
        "note": {"old": None, "new": "rework ok"},
        "batch": {"old": None, "new": 12},
    }
    assert edits[1].data == {"batch": {"old": 12, "new": 13}}
    assert edits[1].user == user and edits[1].source == "page"
    html = client.get(reverse("dashboards:unit", args=["U1"])).content.decode()
    assert "Batch: 12 → 13" in html


def test_an_operator_may_not_change_values(client_for, operator, part):
    response = client_for(operator).post(values_url("U1"), {"note": "x"})

    assert response.status_code == 403
    assert unit_of(part, "U1")["f_note"] is None


@pytest.mark.parametrize(
    ("sent", "words"),
    [
        ({"batch": "twelve"}, "must be a whole number"),
        ({"batch": "nan"}, "must be a whole number"),
        ({"note": "x" * 300}, "at most 255"),
    ],
)
def test_a_bad_value_is_refused_naming_the_field_and_writes_nothing(
    client_for, supervisor, part, sent, words
):
    response = client_for(supervisor).post(values_url("U1"), sent)

    assert response.status_code == 200
    assert words in response.content.decode()
    assert not ScanEvent.objects.filter(action="edit").exists()


def test_a_unique_value_another_unit_holds_is_refused_naming_it(client_for, supervisor, part):
    client = client_for(supervisor)
    client.post(values_url("U1"), {"serial_sticker": "S-1"})

    response = client.post(values_url("U2"), {"serial_sticker": "S-1"})

    assert "already held by U1" in response.content.decode()
    assert unit_of(part, "U2")["f_serial_sticker"] is None
    assert ScanEvent.objects.filter(action="edit").count() == 1
