"""Counted figures are reused while nothing newer happened, and for a few seconds at most."""

import datetime

import pytest

from shopfloor.dashboards.selectors import line_overview, part_figures
from shopfloor.stations.selectors import plan_of_part
from tests.dashboards.conftest import NOW, at, counted_queries
from tests.stations.scan_support import scan

pytestmark = pytest.mark.django_db

LATER = NOW + datetime.timedelta(seconds=61)


@pytest.fixture(autouse=True)
def max_age(settings):
    settings.DASHBOARD_FIGURES_MAX_AGE = 60


def units_now(plan, when):
    with at(when):
        return part_figures(plan=plan, now=when).units


def test_without_new_scans_the_figures_are_not_counted_again(line):
    plan = plan_of_part(line)
    units_now(plan, NOW)

    with counted_queries() as statements:
        assert units_now(plan, LATER + datetime.timedelta(hours=1)) == 10

    assert not any(plan.unit_model._meta.db_table in sql for sql in statements)


def test_a_new_scan_shows_once_the_figures_are_older_than_the_maximum_age(line):
    plan = plan_of_part(line)
    assert units_now(plan, NOW) == 10
    with at(NOW):
        scan("U11", "smd", part_no=line.part_no)

    assert units_now(plan, NOW + datetime.timedelta(seconds=30)) == 10  # at most 60 s old
    assert units_now(plan, LATER) == 11


def test_the_overview_version_moves_when_the_figures_it_shows_are_counted_again(line):
    with at(NOW):
        first = line_overview(now=NOW).version
        scan("U11", "smd", part_no=line.part_no)
        assert line_overview(now=NOW).version == first  # same figures, same version
    with at(LATER):
        later = line_overview(now=LATER)
    assert later.version != first
    assert later.parts[0].figures.units == 11


def test_a_new_procedure_version_is_counted_at_once(line, engineer):
    from procedures.services import procedure_apply
    from tests.stations.scan_support import PROCEDURE

    plan = plan_of_part(line)
    units_now(plan, NOW)
    config = {**PROCEDURE, "stages": [*PROCEDURE["stages"], {"key": "packing", "label": "Packing"}]}
    procedure_apply(part=line, config=config, user=engineer)
    line.refresh_from_db()

    with at(NOW):
        figures = part_figures(plan=plan_of_part(line), now=NOW)

    assert [stage.key for stage in figures.stages][-1] == "packing"
