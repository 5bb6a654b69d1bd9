"""The unit lookup on PostgreSQL with a part of 1,000,000 units (``make bench`` with
DATABASE_URL on PostgreSQL; skipped on SQLite; ``BENCH_UNITS`` to try it smaller).

USIDs are ``B000000001`` ... and tags ``T1`` ..., every hundredth tag with a rework suffix
(``T700-R700``: text no USID holds); printed, side by side, the median time of the lookup page
through the test client for: a whole USID in small letters (opens the unit), the start of
USIDs, a part inside USIDs (rare, and one every USID holds), a whole tag in small letters,
the start of tags, a part inside tags that no USID holds (rare and common), and digits of a
tag (which USIDs hold too), with the slowest SQL statement of each.
"""

import re
import time

import pytest
from django.db import connection
from django.urls import reverse

from parts.models import ModelPart
from procedures.services import procedure_apply
from shopfloor.stations.models import UnitRegistration
from tests.bench.test_dashboards_bench import (
    PROCEDURE,
    UNITS,
    fill_units,
    indexes_built_after,
    median_ms,
    vacuum,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the lookup benchmark runs on PostgreSQL (set DATABASE_URL)")


def fill_registrations(part, model):
    table = connection.ops.quote_name(model._meta.db_table)
    registrations = UnitRegistration._meta.db_table
    with indexes_built_after(registrations), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {registrations} (usid, usid_key, part_id, created_at) "
            f"SELECT usid, lower(usid), {part.pk}, created_at FROM {table}"
        )


def mark_reworked_tags(model):
    """Every hundredth tag gets a suffix: ``-R<id % 1000>`` (``-R900`` on a thousand units)."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET tag_no = tag_no || '-R' || (id % 1000) WHERE id % 100 = 0"
        )


SEARCHED = re.compile(r'FROM "(parts_unit_\d+|stations_unitregistration)"')


def slowest_search(action):
    """The slowest statement ``action`` runs on a unit table or the USID index: its time, its
    table and how PostgreSQL reads it (the scan nodes of its plan, with the index used)."""
    timings = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if SEARCHED.search(sql):
                timings.append((time.perf_counter() - started, sql, params))

    with connection.execute_wrapper(timed):
        action()
    took, sql, params = max(timings, key=lambda timing: timing[0])
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = [row[0].strip(" ->") for row in cursor.fetchall()]
    scans = [line.split("  (")[0] for line in plan if "Scan" in line or "Limit" in line]
    return f"{took * 1000:.1f} ms on {SEARCHED.search(sql).group(1)}: {'; '.join(scans)}"


def test_unit_lookup_with_a_million_units(client, engineer, supervisor):
    part = ModelPart.objects.create(model_no="BIG", part_no="BIG_Part")
    procedure_apply(part=part, config=PROCEDURE, user=engineer)
    model = part.unit_model()
    with indexes_built_after(model._meta.db_table):
        fill_units(part)
        mark_reworked_tags(model)
    fill_registrations(part, model)
    vacuum(model._meta.db_table, UnitRegistration._meta.db_table)
    client.force_login(supervisor)
    url = reverse("dashboards:unit-lookup")
    middle = f"{UNITS // 2:09d}"
    cases = [
        ("whole USID, small letters", f"b{middle}", 302),
        ("start of USIDs", f"b{middle[:-2]}", 200),
        ("inside USIDs", "23456", 200),
        ("inside every USID", "00000", 200),
        ("whole tag, small letters", f"t{UNITS // 2 + 1}", 302),
        ("start of tags", f"t{UNITS // 2}"[:5], 200),
        ("inside tags, 1 in 1000", "-r90", 200),
        ("inside tags, 1 in 100", "0-r", 200),
        ("inside tags, none", "-r9x", 404),
        ("digits of a tag", f"{UNITS // 2}"[:4] + "9", 200),
    ]
    print(f"\nUnit lookup, {UNITS:,} units (PostgreSQL), median of 7 requests:")
    for name, text, status in cases:
        assert client.get(url, {"usid": text}).status_code == status, name
        took = median_ms(lambda text=text: client.get(url, {"usid": text}))
        slowest = slowest_search(lambda text=text: client.get(url, {"usid": text}))
        print(f"  {name:<26} {text!r:<13} {took:7.1f} ms   slowest search {slowest}")
    print(
        "  reproduce: DATABASE_URL=postgres://... .venv/bin/pytest -s "
        "tests/bench/test_unit_lookup_bench.py"
    )
