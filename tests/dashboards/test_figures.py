"""Each figure of the dashboards against the small line counted by hand (see conftest)."""

import datetime

import pytest

from shopfloor.dashboards import stage_states, windows
from shopfloor.dashboards.selectors import (
    line_overview,
    part_defects,
    part_figures,
    part_throughput,
    station_activity,
    unit_filter,
    unit_page,
)
from shopfloor.scanning.plans import plan_of_part
from tests.dashboards.conftest import NOW, TODAY, at, moment

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(line):
    return plan_of_part(line)


def test_units_held_and_finished_today_are_counted_as_by_hand(plan):
    figures = part_figures(plan=plan, now=NOW)

    assert figures.units == 10
    assert figures.on_hold == 3  # U3 and U5 failed, U7 held by a supervisor
    assert figures.finished == 3  # U1, U2 and U10
    assert figures.finished_today == 2  # U10 finished yesterday
    assert figures.in_progress == 7


def test_each_stage_counts_its_done_waiting_and_failed_units(plan):
    figures = part_figures(plan=plan, now=NOW)

    counted = {s.key: (s.done, s.waiting, s.failed) for s in figures.stages}

    assert counted == {
        "smd": (9, 0, 1),  # U3 failed; nobody waits: every unit starts by an SMD scan
        "leaded": (2, 2, 0),  # U2, U8 done; U4, U7 may still go there
        "qc": (5, 3, 1),  # U4, U7, U8 wait; U5 failed
        "dispatch": (3, 2, 0),  # U6, U9 wait
    }


def test_first_pass_yield_counts_a_reworked_unit_as_not_first_pass(plan):
    figures = part_figures(plan=plan, now=NOW)

    smd, qc = figures.stage("smd"), figures.stage("qc")

    # SMD: 10 units tested, U3 and U4 failed there (U4 since reworked): 8 of 10.
    assert (smd.tested, smd.first_pass, smd.first_pass_yield) == (10, 8, 80.0)
    # QC: U1, U2, U5, U6, U9, U10 tested; U5 and U6 failed (U6 since reworked): 4 of 6.
    assert (qc.tested, qc.first_pass) == (6, 4)
    assert qc.first_pass_yield == pytest.approx(66.667, abs=0.001)
    assert figures.stage("dispatch").first_pass_yield is None  # not a pass/fail stage


def test_work_in_progress_between_stages_places_each_unfinished_unit_once(plan):
    figures = part_figures(plan=plan, now=NOW)

    gaps = [(gap.after, gap.before, gap.units) for gap in figures.gaps]

    assert gaps == [("SMD", "LEADED", 3), ("LEADED", "QC", 1), ("QC", "DISPATCH", 2)]
    # U4, U5, U7 last did SMD; U8 Leaded; U6, U9 QC; U3 did nothing yet.
    assert sum(units for *_stages, units in gaps) + 1 == figures.in_progress


def test_finished_today_follows_the_local_day(plan, settings):
    # At 01:00 on the 11th in UTC+3 it is still the 10th until 21:00 UTC: the local day of
    # the 11th starts at 21:00 UTC on the 10th, after every finish.
    settings.TIME_ZONE = "Europe/Moscow"
    later = datetime.datetime(2026, 3, 10, 22, 0, tzinfo=datetime.UTC)
    assert part_figures(plan=plan, now=later).finished_today == 0
    assert part_figures(plan=plan, now=NOW).finished_today == 2


@pytest.mark.parametrize(
    ("stage", "state", "expected"),
    [
        ("smd", "done", {"U1", "U2", "U4", "U5", "U6", "U7", "U8", "U9", "U10"}),
        ("smd", "failed", {"U3"}),
        ("leaded", "waiting", {"U4", "U7"}),
        ("qc", "waiting", {"U4", "U7", "U8"}),
        ("qc", "failed", {"U5"}),
        ("dispatch", "waiting", {"U6", "U9"}),
        ("dispatch", "not_done", {"U3", "U4", "U5", "U6", "U7", "U8", "U9"}),
    ],
)
def test_the_unit_list_filtered_by_a_stage_state_shows_the_units_counted(
    plan, stage, state, expected
):
    rows, older = unit_page(
        plan=plan, condition=unit_filter(plan=plan, stage_key=stage, state=state)
    )

    assert {row["usid"] for row in rows} == expected
    assert older is None
    shown = {row["usid"]: dict((s.key, st) for s, st in row["states"]) for row in rows}
    if state != "not_done":
        assert all(states[stage] == state for states in shown.values())
    figures = part_figures(plan=plan, now=NOW).stage(stage)
    if state in ("done", "waiting", "failed"):
        assert getattr(figures, state) == len(expected)


def test_search_finds_a_unit_by_usid_or_tag_and_held_lists_held_units(plan, line):
    line.unit_model().objects.filter(usid="U8").update(tag_no="T-88")

    by_usid, _ = unit_page(plan=plan, condition=unit_filter(plan=plan, search="U8"))
    by_tag, _ = unit_page(plan=plan, condition=unit_filter(plan=plan, search="T-88"))
    held, _ = unit_page(plan=plan, condition=unit_filter(plan=plan, held=True))

    assert [row["usid"] for row in by_usid] == [row["usid"] for row in by_tag] == ["U8"]
    assert {row["usid"] for row in held} == {"U3", "U5", "U7"}


def test_unit_pages_go_back_by_id_without_repeating_or_skipping(plan):
    seen = []
    before = None
    while True:
        rows, before = unit_page(plan=plan, condition=unit_filter(plan=plan), before=before, size=3)
        seen.extend(row["usid"] for row in rows)
        if before is None:
            break
    assert sorted(seen) == sorted(f"U{n}" for n in range(1, 11))
    assert len(seen) == 10


def test_a_row_state_agrees_with_the_filters_for_every_unit_and_stage(plan, line):
    rows = list(line.unit_model().objects.values())
    for stage in plan.stages:
        for state in ("done", "failed", "waiting"):
            condition = stage_states.state_q(plan, stage, state)
            if condition is None:
                continue
            matching = set(
                line.unit_model().objects.filter(condition).values_list("usid", flat=True)
            )
            by_row = {
                row["usid"] for row in rows if stage_states.row_state(plan, stage, row) == state
            }
            assert matching == by_row, (stage.key, state)


def test_throughput_counts_passes_per_stage_and_local_hour(plan):
    window = windows.days_window(TODAY, TODAY)

    starts, series = part_throughput(plan=plan, window=window, now=NOW)

    assert [start.hour for start in starts] == list(range(15))  # 00:00 to 14:00, up to now
    by_hour = {key: {h: n for h, n in enumerate(counts) if n} for key, counts in series.items()}
    assert by_hour == {
        "smd": {9: 7, 10: 1},  # U4's rework pass at 10:05; fails are not throughput
        "leaded": {10: 2},
        "qc": {10: 3, 11: 1},
        "dispatch": {11: 2},
    }


def test_throughput_over_several_days_is_counted_per_day(plan):
    window = windows.days_window(TODAY - datetime.timedelta(days=4), TODAY)

    starts, series = part_throughput(plan=plan, window=window, now=NOW)

    assert not window.hourly
    assert [start.day for start in starts] == [6, 7, 8, 9, 10]
    assert series["smd"] == [0, 0, 0, 1, 8]
    assert series["dispatch"] == [0, 0, 0, 1, 2]


def test_fails_are_counted_by_defect_reason_within_the_period(plan):
    today = part_defects(plan=plan, window=windows.days_window(TODAY, TODAY))
    yesterday = TODAY - datetime.timedelta(days=1)

    assert today == [("Solder bridge", 2), ("Dry joint", 1), ("Missing component", 1)]
    assert part_defects(plan=plan, window=windows.days_window(yesterday, yesterday)) == []


def test_station_activity_shows_the_latest_scan_and_the_last_hour(line):
    activity = {entry.station.name: entry for entry in station_activity(now=moment(TODAY, 11, 30))}

    qc, smd = activity["QC-1"], activity["SMD-1"]
    assert (qc.last_event.usid, qc.last_event.result) == ("U6", "pass")
    assert (qc.scans_last_hour, qc.fails_last_hour) == (4, 2)  # 10:30 to 11:30
    assert (smd.last_event.usid, smd.scans_last_hour, smd.fails_last_hour) == ("U4", 0, 0)


def test_the_overview_lists_each_active_part_with_its_figures(line, engineer):
    from tests.stations.scan_support import part_with_procedure, scan

    other = part_with_procedure(engineer, part_no="EICS200_Part")
    with at(moment(TODAY, 12, 0)):
        scan("V1", "smd", part_no=other.part_no)
    archived = part_with_procedure(engineer, part_no="OLD_Part")
    archived.archived_at = NOW
    archived.save()

    overview = {entry.part.part_no: entry.figures for entry in line_overview(now=NOW)}

    assert set(overview) == {"EICS112_Part", "EICS200_Part"}
    assert (overview["EICS112_Part"].units, overview["EICS112_Part"].finished_today) == (10, 2)
    assert overview["EICS200_Part"].units == 1
    assert overview["EICS200_Part"].stage("smd").first_pass_yield == 100.0


def test_parts_with_procedures_of_different_lengths_are_counted_together(line, engineer):
    from tests.stations.scan_support import part_with_procedure, scan

    short = {"version": 1, "stages": [{"key": "qc", "label": "QC", "result": "pass_fail"}]}
    first = part_with_procedure(engineer, part_no="AAA_Part", config=short)  # listed first
    with at(moment(TODAY, 12, 0)):
        scan("Q1", "qc", part_no=first.part_no, result="fail", defect="damaged")

    overview = {entry.part.part_no: entry.figures for entry in line_overview(now=NOW)}

    assert list(overview) == ["AAA_Part", "EICS112_Part"]
    assert (overview["AAA_Part"].units, overview["AAA_Part"].stage("qc").failed) == (1, 1)
    assert overview["AAA_Part"].stage("qc").first_pass_yield == 0.0
    assert overview["EICS112_Part"].stage("qc").waiting == 3
