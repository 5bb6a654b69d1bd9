"""Defect reasons kept by engineers in the app, and the defect Pareto over days and parts."""

import pytest
from django.urls import reverse

from shopfloor.scanning.services import unit_override
from shopfloor.stations.models import DefectReason, ScanEvent
from tests.dashboards.conftest import TODAY, at, moment
from tests.stations.scan_support import part_with_procedure, scan

pytestmark = pytest.mark.django_db

PARETO = reverse("dashboards:defects")
DAY = {"start": TODAY.isoformat(), "end": TODAY.isoformat()}


def test_an_engineer_adds_a_defect_reason_that_operators_then_pick(client_for, engineer):
    client = client_for(engineer)

    saved = client.post(
        reverse("stations:defect-create"),
        {"code": "lifted_pad", "label": "Lifted pad", "category": "Soldering", "is_active": "on"},
    )
    listed = client.get(reverse("stations:defects")).content.decode()

    assert saved.status_code == 302
    reason = DefectReason.objects.get(code="lifted_pad")
    assert (reason.label, reason.category, reason.is_active) == ("Lifted pad", "Soldering", True)
    assert 'data-code="lifted_pad"' in listed and "Soldering" in listed


def test_a_duplicate_or_bad_code_is_refused_with_a_message(client_for, engineer):
    client = client_for(engineer)

    duplicate = client.post(
        reverse("stations:defect-create"), {"code": "dry_joint", "label": "Again"}
    )
    bad = client.post(reverse("stations:defect-create"), {"code": "no spaces!", "label": "X"})

    assert "already exists" in duplicate.content.decode()
    assert "letters, numbers, underscores or hyphens" in bad.content.decode()
    assert not DefectReason.objects.filter(label__in=["Again", "X"]).exists()


def test_a_reason_units_failed_with_keeps_its_code_but_may_be_retired(client_for, engineer, line):
    reason = DefectReason.objects.get(code="solder_bridge")
    url = reverse("stations:defect-edit", args=[reason.pk])

    client_for(engineer).post(
        url, {"code": "renamed", "label": "Solder bridge (IPC)", "category": "Soldering"}
    )

    reason.refresh_from_db()
    assert (reason.code, reason.label, reason.is_active) == (
        "solder_bridge",
        "Solder bridge (IPC)",
        False,
    )
    assert scan("U99", "smd", result="fail", defect="solder_bridge").code == "invalid"


def test_operators_and_supervisors_cannot_edit_defect_reasons(client_for, operator, supervisor):
    for user in (operator, supervisor):
        client = client_for(user)
        assert (
            client.post(reverse("stations:defect-create"), {"code": "x", "label": "X"}).status_code
            == 403
        )
    assert client_for(operator).get(reverse("stations:defects")).status_code == 403
    assert not DefectReason.objects.filter(code="x").exists()


def test_the_pareto_counts_fails_by_reason_most_frequent_first(client_for, supervisor, line):
    with at(moment(TODAY, 15, 0)):
        response = client_for(supervisor).get(PARETO, DAY)

    html = response.content.decode()
    reasons = [row.split('"')[0] for row in html.split('<tr data-reason="')[1:]]
    expected = ScanEvent.objects.filter(result="fail", created_at__date=TODAY).values_list(
        "defect__label", flat=True
    )
    assert sorted(reasons) == sorted(set(expected))
    assert f'data-testid="pareto-total">{len(expected)} fail' in html
    assert "<svg" in html and "Σ 100 %" in html  # the last reason brings the total


def test_the_pareto_of_one_part_leaves_other_parts_out(client_for, supervisor, engineer, line):
    other = part_with_procedure(engineer, part_no="OTHER_Part")
    with at(moment(TODAY, 12, 0)):
        scan("O1", "smd", part_no=other.part_no, result="fail", defect="damaged")
        scan("O2", "smd", part_no=other.part_no, result="fail", defect="damaged")
    client = client_for(supervisor)

    with at(moment(TODAY, 15, 0)):
        every = client.get(PARETO, DAY).content.decode()
        one = client.get(PARETO, {**DAY, "part": other.pk}).content.decode()

    assert 'data-part="OTHER_Part"' in every and 'data-part="EICS112_Part"' in every
    assert [row.split('"')[0] for row in one.split('<tr data-reason="')[1:]] == ["Damaged"]
    assert 'data-testid="pareto-total">2 fails' in one


def test_an_override_marked_failed_counts_in_the_pareto(client_for, supervisor, line):
    with at(moment(TODAY, 14, 0)):
        unit_override(
            usid="U9",
            stage="qc",
            action="mark_fail",
            reason="Scratched",
            defect="damaged",
            user=supervisor,
        )
    with at(moment(TODAY, 15, 0)):
        html = client_for(supervisor).get(PARETO, DAY).content.decode()

    assert '<tr data-reason="Damaged">' in html


def test_reversed_days_are_named_and_the_last_week_shown(client_for, supervisor, line):
    response = client_for(supervisor).get(PARETO, {"start": "2026-03-10", "end": "2026-03-01"})

    assert response.status_code == 200
    assert "is before the first" in response.content.decode()


def test_operators_may_not_see_the_pareto(client_for, operator):
    assert client_for(operator).get(PARETO).status_code == 403
