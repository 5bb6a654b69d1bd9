"""Figures stay current by counting again only the blocks of units that changed."""

import datetime

import pytest
from django.core.cache import caches

from shopfloor.dashboards import figure_cache, figures
from shopfloor.dashboards.recount_jobs import recount_task
from shopfloor.dashboards.selectors import line_overview, line_version, part_figures
from shopfloor.jobs.models import Job
from shopfloor.scanning.plans import plan_of_part
from shopfloor.scanning.services import unit_release
from tests.dashboards.conftest import NOW, at, counted_queries
from tests.stations.scan_support import scan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def blocks_of_four(monkeypatch):
    """Blocks of 4 units, so the line's 10 units fill three of them (ids 1-3, 4-7, 8-11)."""
    monkeypatch.setattr(figures, "UNITS_PER_BLOCK", 4)
    figures._part_select.cache_clear()
    yield
    figures._part_select.cache_clear()


def figures_at(plan, when):
    with at(when):
        return part_figures(plan=plan, now=when)


def counting_statements(statements, plan):
    return [sql for sql in statements if f"FROM {plan_table(plan)}" in sql and "COUNT" in sql]


def plan_table(plan):
    from django.db import connection

    return connection.ops.quote_name(plan.unit_model._meta.db_table)


def test_figures_counted_by_block_add_up_to_the_whole(line):
    plan = plan_of_part(line)
    whole = figures.figures_for_plans([plan], today_start=NOW.replace(hour=0))[plan.part_id]

    assert figures_at(plan, NOW) == whole
    assert whole.units == 10 and whole.finished_today == 2


def test_without_new_events_nothing_is_counted_again(line, settings):
    settings.DASHBOARD_RECOUNT_SECONDS = 300
    plan = plan_of_part(line)
    figures_at(plan, NOW)

    with counted_queries() as statements:
        assert figures_at(plan, NOW + datetime.timedelta(minutes=4)).units == 10

    assert counting_statements(statements, plan) == []


def test_a_scan_shows_at_once_and_only_its_units_block_is_counted_again(line):
    plan = plan_of_part(line)
    figures_at(plan, NOW)
    later = NOW + datetime.timedelta(seconds=5)
    with at(later):
        scan("U3", "smd", part_no=line.part_no)  # U3 (id 8) reworked: block 2

    with counted_queries() as statements:
        current = figures_at(plan, later)

    assert (current.units, current.stage("smd").failed, current.on_hold) == (10, 0, 2)
    assert current.stage("smd").first_pass == 8  # U3 failed before: not a first pass
    (counting,) = counting_statements(statements, plan)
    assert ">= 8 AND" in counting and "< 12)" in counting and ">= 0 AND" not in counting


def test_a_release_shows_at_once(line, supervisor):
    plan = plan_of_part(line)
    figures_at(plan, NOW)
    later = NOW + datetime.timedelta(seconds=5)
    with at(later):
        unit_release(usid="U7", reason="Capacitors checked", user=supervisor)

    assert figures_at(plan, later).on_hold == 2


def test_an_edit_outside_the_app_shows_once_its_block_is_counted_again(line, settings):
    settings.DASHBOARD_RECOUNT_SECONDS = 300
    plan = plan_of_part(line)
    figures_at(plan, NOW)
    line.unit_model().objects.filter(usid="U8").update(on_hold=True)  # id 7, block 1; no event

    assert figures_at(plan, NOW + datetime.timedelta(seconds=299)).on_hold == 3
    # Past the interval, each request counts again the block counted longest ago: 0, 1, 2.
    later = NOW + datetime.timedelta(seconds=300)
    with counted_queries() as statements:
        assert figures_at(plan, later).on_hold == 3  # block 0
    assert len(counting_statements(statements, plan)) == 1
    assert figures_at(plan, later).on_hold == 4  # block 1


def test_the_overview_version_moves_with_each_scan_and_its_figures_follow(line):
    with at(NOW):
        first_version, first = line_version(now=NOW), line_overview(now=NOW)
        scan("U11", "smd", part_no=line.part_no)
        second_version, second = line_version(now=NOW), line_overview(now=NOW)
        assert line_version(now=NOW) == second_version

    assert first_version != second_version
    assert (first[0].figures.units, second[0].figures.units) == (10, 11)


def test_a_new_procedure_version_is_counted_at_once(line, engineer):
    from procedures.services import procedure_apply
    from tests.stations.scan_support import PROCEDURE

    plan = plan_of_part(line)
    figures_at(plan, NOW)
    config = {**PROCEDURE, "stages": [*PROCEDURE["stages"], {"key": "packing", "label": "Pack"}]}
    procedure_apply(part=line, config=config, user=engineer)
    line.refresh_from_db()

    counted = figures_at(plan_of_part(line), NOW)

    assert [stage.key for stage in counted.stages][-1] == "packing"
    assert counted.stage("packing").waiting == 3  # U1, U2, U10 finished the old procedure


def test_a_new_process_takes_the_counts_kept_by_another_and_counts_nothing_afresh(line):
    from shopfloor.scanning.plans import part_plan_cache_clear

    counted_here = figures_at(plan_of_part(line), NOW)
    # A new server process: no plan, statement or cached page of its own yet.
    part_plan_cache_clear()
    caches["dashboards"].clear()
    figures._part_select.cache_clear()
    plan = plan_of_part(line)

    with counted_queries() as statements:
        assert figures_at(plan, NOW + datetime.timedelta(seconds=5)) == counted_here

    assert counting_statements(statements, plan) == []


def test_a_new_day_counts_again_only_the_blocks_that_changed_since_midnight(line, settings):
    settings.DASHBOARD_RECOUNT_SECONDS = 24 * 60 * 60  # no sweep of old blocks here
    plan = plan_of_part(line)
    figures_at(plan, NOW)
    tomorrow = datetime.datetime(2026, 3, 11, 0, 10, tzinfo=NOW.tzinfo)
    with at(tomorrow):
        scan("U9", "dispatch", part_no=line.part_no)  # U9 (id 8, block 2) finishes

    with counted_queries() as statements:
        current = figures_at(plan, tomorrow)

    midnight = tomorrow.replace(hour=0, minute=0)
    assert current == figures.figures_for_plans([plan], today_start=midnight)[plan.part_id]
    assert (current.finished, current.finished_today) == (4, 1)  # U1, U2 finished yesterday
    (counting,) = counting_statements(statements, plan)
    assert ">= 8 AND" in counting and ">= 0 AND" not in counting and ">= 4 AND" not in counting


def test_a_label_change_keeps_the_counts_and_a_new_stage_is_recounted_by_a_job(
    line, engineer, django_capture_on_commit_callbacks
):
    from procedures.services import procedure_apply
    from shopfloor.dashboards.models import PartCounts
    from tests.stations.scan_support import PROCEDURE

    figures_at(plan_of_part(line), NOW)
    relabelled = {
        **PROCEDURE,
        "stages": [{**stage, "label": stage["label"] + " stage"} for stage in PROCEDURE["stages"]],
    }
    with at(NOW), django_capture_on_commit_callbacks(execute=True):
        procedure_apply(part=line, config=relabelled, user=engineer)
    line.refresh_from_db()
    with counted_queries() as statements:
        relabelled_figures = figures_at(plan_of_part(line), NOW)
    assert counting_statements(statements, plan_of_part(line)) == []
    assert relabelled_figures.stage("qc").label == "QC stage"

    packing = {**relabelled, "stages": [*relabelled["stages"], {"key": "packing", "label": "Pack"}]}
    with at(NOW), django_capture_on_commit_callbacks(execute=True):
        procedure_apply(part=line, config=packing, user=engineer)
    line.refresh_from_db()
    plan = plan_of_part(line)
    (job,) = Job.objects.filter(kind="recount", part=line, state="queued")
    with counted_queries() as statements:
        while_queued = figures_at(plan, NOW)
    assert while_queued is None  # shown as recounting; the page does not count it itself
    assert counting_statements(statements, plan) == []

    with at(NOW):
        recount_task.call(str(job.pk))
    assert PartCounts.objects.get(part=line).shape == figure_cache.counts_shape(plan)
    with counted_queries() as statements:
        counted = figures_at(plan, NOW)

    assert Job.objects.get(pk=job.pk).state == "done"
    assert counting_statements(statements, plan) == []  # counted by the job
    assert counted.stage("packing").waiting == 3
