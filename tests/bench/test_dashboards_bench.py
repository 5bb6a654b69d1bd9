"""Dashboard figures on PostgreSQL with a part of 1,000,000 units and about 5,000,000 scan events
(``make bench`` with DATABASE_URL on PostgreSQL; skipped on SQLite).

The part goes through seven stages (four pass/fail, one optional); 70 % of its units are
finished, the rest are spread over the stages, some failed and awaiting rework, about one in
37 passed after a rework. Units and events are spread over 60 days, so a day has about
17,000 new units. The tables are filled with ``INSERT ... SELECT generate_series`` and vacuumed.

Printed, side by side:

- the overview (all active parts) and the part page: median of several requests through the
  test client, and the queries each runs, with 10 parts and with 100 parts;
- the overview's refresh when nothing changed (204);
- (exports run as jobs; tests/bench/test_jobs_bench.py measures them)
- the pages with every part counted afresh (no counts kept: what a procedure change that
  alters the stages costs, paid by the engineer's save), in a new server process (the counts
  kept by others read from the database), and kept current after a scan and a hold between
  two requests (only the changed blocks of units counted again);
- the first requests of a new day (just after midnight, one unit finished since);
- saving a procedure that adds a stage to the million-unit part (the unit table migrated and
  the part counted afresh), and the part page just after.
"""

import itertools
import os
import resource
import statistics
import time
from contextlib import contextmanager

import pytest
from django.core.cache import caches
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from parts.models import ModelPart
from procedures.services import procedure_apply
from shopfloor.dashboards import figures
from shopfloor.dashboards.models import PartCounts
from shopfloor.dashboards.selectors import line_version
from shopfloor.scanning.plans import part_plan_cache_clear
from shopfloor.scanning.services import unit_hold
from shopfloor.stations.models import DefectReason, ScanEvent, Station, UnitRegistration
from tests.dashboards.conftest import at, counted_queries
from tests.stations.scan_support import scan

pytestmark = pytest.mark.django_db(transaction=True)

UNITS = int(os.environ.get("BENCH_UNITS", "1000000"))  # smaller to try the benchmark out
RUNS = 7
CHANGES = itertools.count(1)
STAGES = [
    ("smd", "pass_fail", False),
    ("leaded", "done", True),
    ("prod_qc", "pass_fail", False),
    ("qc", "pass_fail", False),
    ("testing", "pass_fail", False),
    ("glueing", "done", False),
    ("dispatch", "done", False),
]
PROCEDURE = {
    "version": 1,
    "stages": [
        {"key": key, "label": key.replace("_", " ").title(), "result": result, "optional": optional}
        for key, result, optional in STAGES
    ],
    "fields": [{"key": "firmware_version", "label": "Firmware", "type": "text"}],
}
SMALL = {
    "version": 1,
    "stages": [
        {"key": "smd", "label": "SMD", "result": "pass_fail"},
        {"key": "qc", "label": "QC", "result": "pass_fail"},
        {"key": "dispatch", "label": "Dispatch", "result": "done"},
    ],
    "fields": [],
}


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the dashboards benchmark runs on PostgreSQL (set DATABASE_URL)")


def median_ms(action, runs=RUNS):
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def fill_units(part):
    """1,000,000 units: level = stages passed in order; leaded only for every third unit."""
    model = part.unit_model()
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ["usid", "tag_no", "on_hold", "created_at", "updated_at", "f_firmware_version"]
    values = [
        "'B' || lpad(g::text, 9, '0')",
        "'T' || g",
        "(level < 7 AND level <> 1 AND g % 4 = 0 AND level IN (0, 2, 3, 4))",
        "created",
        "created",
        "'1.2.' || (g % 5)",
    ]
    for index, (key, result, _optional) in enumerate(STAGES):
        done = f"(level > {index})" if key != "leaded" else "(level > 1 AND g % 3 = 0)"
        columns += [f"is_{key}", f"{key}_at", f"{key}_by_id"]
        values += [
            done,
            f"CASE WHEN {done} THEN created + interval '{index * 10} minutes' END",
            "NULL",
        ]
        if result == "pass_fail":
            failed_now = f"(level = {index} AND g % 4 = 0)"
            columns.append(f"{key}_result")
            values.append(f"CASE WHEN {done} THEN 'pass' WHEN {failed_now} THEN 'fail' END")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} ({", ".join(columns)})
            SELECT {", ".join(values)}
            FROM (
                SELECT g,
                       CASE WHEN g % 10 < 7 THEN 7 ELSE (g / 7) % 7 END AS level,
                       now() - interval '60 days' + g * (interval '60 days' / {UNITS}) AS created
                FROM generate_series(1, {UNITS}) AS g
            ) AS units
            """
        )
    return model


def fill_registrations(part, model):
    """The global USID index: each unit registered to the part."""
    table = connection.ops.quote_name(model._meta.db_table)
    registrations = connection.ops.quote_name(UnitRegistration._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {registrations} (usid, part_id, created_at) "
            f"SELECT usid, {part.pk}, created_at FROM {table}"
        )


def fill_events(part, model):
    """A pass event per done stage, a fail before one pass in 37 (rework), and the current
    fails; at the stage's station, with a defect reason for each fail."""
    table = connection.ops.quote_name(model._meta.db_table)
    events = ScanEvent._meta.db_table
    stations = {s.stage: s.pk for s in Station.objects.all()}
    defects = list(DefectReason.objects.order_by("pk").values_list("pk", flat=True))
    rows = []
    for index, (key, result, _optional) in enumerate(STAGES):
        station = stations[key]
        rows.append(
            f"SELECT {key}_at, usid, '{key}', 'pass', NULL::bigint, {station} FROM {table} "
            f"WHERE is_{key}"
        )
        if result == "pass_fail":
            defect = f"(ARRAY{defects})[1 + (id % {len(defects)})]"
            rows.append(
                f"SELECT {key}_at - interval '5 minutes', usid, '{key}', 'fail', {defect}, "
                f"{station} FROM {table} WHERE is_{key} AND (id + {index * 7}) % 37 = 0"
            )
            rows.append(
                f"SELECT created_at + interval '{index * 10} minutes', usid, '{key}', 'fail', "
                f"{defect}, {station} FROM {table} WHERE {key}_result = 'fail'"
            )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {events} (created_at, usid, part_id, stage, action, result, defect_id,
                                  source, station_id, tag_no, reason)
            SELECT at, usid, {part.pk}, stage, 'scan', result, defect, 'screen', station, '', ''
            FROM ({" UNION ALL ".join(rows)}) AS e (at, usid, stage, result, defect, station)
            ORDER BY at
            """
        )
        cursor.execute(f"SELECT count(*) FROM {events}")
        return cursor.fetchone()[0]


@contextmanager
def indexes_built_after(table):
    """Drop the table's secondary indexes while it is filled, and build them again after:
    one sort per index instead of millions of random inserts into each."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
            "AND indexdef NOT LIKE '%%UNIQUE%%'",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)


def vacuum(*tables):
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")


def add_small_parts(engineer, count, start):
    for number in range(start, start + count):
        part = ModelPart.objects.create(model_no="SMALL", part_no=f"SMALL{number:03d}_Part")
        procedure_apply(part=part, config=SMALL, user=engineer)
        scan(f"S{number}-1", "smd", part_no=part.part_no, source=ScanEvent.Source.API)


def timed_after_changes(client, url, part, supervisor, runs=RUNS):
    """Median time of ``url`` when, before each request, a new unit is registered (the last
    block changes) and an old unit is held (the first block changes): the work the figures
    of a busy line have between two refreshes."""
    timings = []
    for _run in range(runs):
        number = next(CHANGES)
        scan(f"NEW{number:06d}", "smd", part_no=part.part_no, source=ScanEvent.Source.API)
        unit_hold(usid=f"B{number:09d}", reason="Benchmark hold", user=supervisor)
        started = time.perf_counter()
        assert client.get(url).status_code == 200
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def measure_pages(client, part, supervisor):
    """Medians of the overview and the part page with every part counted afresh (an empty
    cache: a new day or process) and kept current after changes, with the queries run."""
    overview_url = reverse("dashboards:overview")
    part_url = reverse("dashboards:part", args=[part.pk])
    client.get(overview_url)
    client.get(part_url)  # plans, models and statements ready, as on a running server

    def afresh(url):
        caches["dashboards"].clear()
        PartCounts.objects.all().delete()
        return client.get(url)

    def new_process(url):
        part_plan_cache_clear()
        figures._part_select.cache_clear()
        caches["dashboards"].clear()
        return client.get(url)

    with counted_queries() as afresh_queries:
        response = afresh(overview_url)
    unit_hold(usid=f"B{UNITS - next(CHANGES):09d}", reason="Benchmark hold", user=supervisor)
    with counted_queries() as current_queries:
        client.get(overview_url)
    return {
        "parts": response.content.decode().count('data-testid="part-card"'),
        "afresh_overview_ms": median_ms(lambda: afresh(overview_url), 3),
        "afresh_part_ms": median_ms(lambda: afresh(part_url), 3),
        "new_process_overview_ms": median_ms(lambda: new_process(overview_url), 3),
        "new_process_part_ms": median_ms(lambda: new_process(part_url), 3),
        "current_overview_ms": timed_after_changes(client, overview_url, part, supervisor),
        "current_part_ms": timed_after_changes(client, part_url, part, supervisor),
        "afresh_queries": len(afresh_queries),
        "current_queries": len(current_queries),
    }


def first_ms(client, url):
    started = time.perf_counter()
    assert client.get(url).status_code == 200
    return (time.perf_counter() - started) * 1000


def measure_procedure_changes(client, part, engineer):
    """Save the million-unit part's procedure with new labels (counts kept), then with a new
    stage (the table migrated; the recount job is queued on commit, which this test's
    transaction never reaches, so the first page after it counts the part afresh), timing each
    save and the first part page and overview after it."""
    part_url = reverse("dashboards:part", args=[part.pk])
    overview_url = reverse("dashboards:overview")
    relabelled = {
        **PROCEDURE,
        "stages": [{**stage, "label": stage["label"] + " (B)"} for stage in PROCEDURE["stages"]],
    }
    packing = {"key": "packing", "label": "Packing", "result": "done", "optional": False}
    added = {**relabelled, "stages": [*relabelled["stages"], packing]}
    for label, config in (("new labels", relabelled), ("a stage added", added)):
        started = time.perf_counter()
        procedure_apply(part=part, config=config, user=engineer)
        saved = time.perf_counter() - started
        part.refresh_from_db()
        print(
            f"procedure saved with {label}: save {saved:.2f} s; then part page "
            f"{first_ms(client, part_url):.0f} ms, overview {first_ms(client, overview_url):.0f} ms"
        )


def measure_new_day(client, part, supervisor):
    """The first requests just after midnight, a new unit scanned and a unit held since."""
    tomorrow = timezone.localtime() + timezone.timedelta(days=1)
    just_after_midnight = tomorrow.replace(hour=0, minute=5, second=0, microsecond=0)
    with at(just_after_midnight):
        number = next(CHANGES)
        scan(f"NEW{number:06d}", "smd", part_no=part.part_no, source=ScanEvent.Source.API)
        unit_hold(usid=f"B{number:09d}", reason="Benchmark hold", user=supervisor)
        overview = first_ms(client, reverse("dashboards:overview"))
        part_page = first_ms(client, reverse("dashboards:part", args=[part.pk]))
    print(f"a new day, first requests: overview {overview:.0f} ms, part page {part_page:.0f} ms")


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_dashboards_with_a_million_units_and_five_million_events(client, engineer, supervisor):
    for key, _result, _optional in STAGES:
        Station.objects.create(name=f"{key.upper()}-1", line="Line A", stage=key)
    if not DefectReason.objects.exists():
        for code in ("solder_bridge", "dry_joint", "missing_component", "damaged", "other"):
            DefectReason.objects.create(code=code, label=code.replace("_", " ").capitalize())
    started = time.perf_counter()
    part = ModelPart.objects.create(model_no="BIG", part_no="BIG_Part")
    procedure_apply(part=part, config=PROCEDURE, user=engineer)
    with indexes_built_after(part.unit_model()._meta.db_table):
        model = fill_units(part)
    with indexes_built_after(UnitRegistration._meta.db_table):
        fill_registrations(part, model)
    with indexes_built_after(ScanEvent._meta.db_table):
        event_count = fill_events(part, model)
    vacuum(model._meta.db_table, ScanEvent._meta.db_table, UnitRegistration._meta.db_table)
    add_small_parts(engineer, 9, 1)
    print(
        f"\nbuilt {model.objects.count():,} units and {event_count:,} scan events "
        f"in {time.perf_counter() - started:.0f} s"
    )
    client.force_login(supervisor)

    ten = measure_pages(client, part, supervisor)
    add_small_parts(engineer, 90, 10)
    hundred = measure_pages(client, part, supervisor)

    for label, measured in (("10 parts", ten), ("100 parts", hundred)):
        print(
            f"{label} ({measured['parts']} cards):\n"
            f"  counted afresh: overview {measured['afresh_overview_ms']:.0f} ms, "
            f"part page {measured['afresh_part_ms']:.0f} ms; overview queries "
            f"{measured['afresh_queries']}\n"
            f"  in a new server process (counts kept by others): overview "
            f"{measured['new_process_overview_ms']:.0f} ms, part page "
            f"{measured['new_process_part_ms']:.0f} ms\n"
            f"  kept current after a scan and a hold: overview "
            f"{measured['current_overview_ms']:.0f} ms, part page "
            f"{measured['current_part_ms']:.0f} ms; overview queries {measured['current_queries']}"
        )
    quiet_url = reverse("dashboards:overview") + f"?version={line_version()}"
    quiet = median_ms(lambda: client.get(quiet_url, headers={"HX-Request": "true"}))
    print(f"overview refresh with nothing new (204, figures cached): {quiet:.1f} ms")
    part_url = reverse("dashboards:part", args=[part.pk])
    today = timezone.localdate()
    week = f"?start={today - timezone.timedelta(days=6)}&end={today}"
    print(
        f"part page over the last 7 days: {median_ms(lambda: client.get(part_url + week)):.0f} ms"
    )
    failed_url = part_url + "?stage=qc&state=failed"
    print(
        f"part page listing units failed at QC: {median_ms(lambda: client.get(failed_url)):.0f} ms"
    )

    measure_procedure_changes(client, part, engineer)
    measure_new_day(client, part, supervisor)

    assert ten["afresh_queries"] == hundred["afresh_queries"]
    assert ten["current_queries"] == hundred["current_queries"]

    # Exports run as jobs: their throughput is measured in tests/bench/test_jobs_bench.py.
