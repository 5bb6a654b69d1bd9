"""Scan throughput under gunicorn on PostgreSQL, side by side with the plain-SQL floor.

Run on demand:

    DATABASE_URL=postgres://root@127.0.0.1:5432/test DATABASE_TEST_NAME=bench_sf_scans make bench

Gunicorn (``BENCH_WORKERS`` sync workers, default 3) serves the whole app and the floor view
(``tests/bench/floor.py``: the scan's UPDATE of the unit row and INSERT of the event in plain
SQL, one transaction). ``BENCH_CLIENTS`` threads (default 16) send recorded scans over
keep-alive connections. Three situations, the same scans in each, all at one part P0:

1. 10 parts, P0 with 10,000 units;
2. 5,000 parts (each with its procedure and unit table), P0 still 10,000 units;
3. 5,000 parts, P0 grown to 1,000,000 units.

It prints scans/s and p50/p99 latency of the app and of the floor, their ratio, the queries
per scan, and the cost per scan compared between the situations. The product's target is an
app/floor ratio of at least 0.5 with 3 workers and 16 clients.
"""

import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from parts.models import ModelPart
from procedures.services import procedure_apply
from shopfloor.scanning.rules import scan_record
from shopfloor.scanning.services import api_token_issue
from shopfloor.stations.models import ScanEvent
from tests.bench.floor import floor_scan
from tests.support.load_client import JsonClient, load

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the scan benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...",
    ),
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
WORKERS = int(os.environ.get("BENCH_WORKERS", "3"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
SCANS = int(os.environ.get("BENCH_SCANS", "2000"))
ROUNDS = 2  # floor and app alternate; the better run of each counts (the machine is shared)
WARM_UP = 300
MANY_PARTS = int(os.environ.get("BENCH_PARTS", "5000"))
BASE_UNITS, MANY_UNITS = 10_000, int(os.environ.get("BENCH_UNITS", "1000000"))

PROCEDURE = {
    "version": 1,
    "stages": [
        {"key": "smd", "label": "SMD", "result": "pass_fail"},
        {"key": "qc", "label": "QC", "result": "pass_fail"},
        {"key": "dispatch", "label": "Dispatch"},
    ],
    "fields": [],
}


def make_parts(user, first, count):
    parts = []
    for number in range(first, first + count):
        part = ModelPart.objects.create(model_no=f"M{number}", part_no=f"P{number}_Part")
        procedure_apply(part=part, config=PROCEDURE, user=user)
        parts.append(part)
    return parts


def add_units(part, first, last, prefix="B"):
    """Units ``prefix<first>`` .. ``prefix<last - 1>`` of ``part``, registered, SMD passed."""
    table = f"parts_unit_{part.pk}"
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" ("usid", "is_smd", "smd_result", "smd_at", "created_at", '
            "\"updated_at\") SELECT %s || g, true, 'pass', now(), now(), now() "
            "FROM generate_series(%s, %s) AS g",
            [prefix, first, last - 1],
        )
        cursor.execute(
            'INSERT INTO "stations_unitregistration" ("usid", "usid_key", "part_id", '
            '"created_at") SELECT %s || g, lower(%s || g), %s, now() '
            "FROM generate_series(%s, %s) AS g",
            [prefix, prefix, part.pk, first, last - 1],
        )
        cursor.execute(f'ANALYZE "{table}"')
        cursor.execute('ANALYZE "stations_unitregistration"')


class Gunicorn:
    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_TEST_NAME", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        }
        settings = connection.settings_dict
        env.update(
            DJANGO_SETTINGS_MODULE="tests.bench.bench_settings",
            DATABASE_URL=f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}"
            f"/{settings['NAME']}",
            SECRET_KEY="bench-" + "k" * 50,
            DEBUG="false",
            SECURE_SSL_REDIRECT="false",
            ALLOWED_HOSTS="127.0.0.1",
            LOG_LEVEL="ERROR",
            STATIC_ROOT=tempfile.mkdtemp(prefix="bench-static-"),
        )
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "shopfloor.wsgi:application",
                f"--workers={WORKERS}",
                f"--bind=127.0.0.1:{self.port}",
                "--log-level=warning",
                "--backlog=256",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def measure(server, token, path, bodies):
    seconds, latencies, statuses = load(server.url, token, path, iter(bodies), CLIENTS)
    assert set(statuses) == {201}, statuses
    latencies.sort()
    seconds = seconds or 1e-9
    return {
        "rate": len(bodies) / seconds,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def scan_bodies(part, usids):
    return [{"usid": usid, "stage": "qc", "part_id": part.pk} for usid in usids]


def run_situation(server, token, part, usids, warm_usids):
    """Floor and app in turns on fresh units of ``part``, after a warm-up of both."""
    warm_client = JsonClient(server.url, token)
    for body in scan_bodies(part, warm_usids):
        warm_client.post("/bench/floor", body)
        warm_client.post("/api/v1/scans", {"usid": body["usid"], "stage": "qc"})
    warm_client.close()
    floors, apps = [], []
    for round_usids in (usids[i::ROUNDS] for i in range(ROUNDS)):
        floors.append(measure(server, token, "/bench/floor", scan_bodies(part, round_usids)))
        app_bodies = [{"usid": usid, "stage": "qc"} for usid in round_usids]
        apps.append(measure(server, token, "/api/v1/scans", app_bodies))
    return max(floors, key=lambda run: run["rate"]), max(apps, key=lambda run: run["rate"])


def queries_per_scan(part, usid, warm_usid):
    """Queries of one recorded scan in this process, once the part's plan is cached."""
    scan_record(usid=warm_usid, stage="qc", source=ScanEvent.Source.API)
    with CaptureQueriesContext(connection) as app:
        outcome = scan_record(usid=usid, stage="qc", source=ScanEvent.Source.API)
    assert outcome.status == "recorded", outcome
    request = RequestFactory().post(
        "/bench/floor",
        data={"usid": usid, "part_id": part.pk},
        content_type="application/json",
    )
    with CaptureQueriesContext(connection) as floor:
        floor_scan(request)
    return len(app.captured_queries), len(floor.captured_queries)


def drop_unit_tables():
    """Drop the bench's unit tables one statement at a time: dropping 5,000 tables in one
    transaction (as the test teardown does) runs out of PostgreSQL's lock table."""
    from parts.unit_tables import cache
    from parts.unit_tables.naming import part_pk_of_table

    cache.forget()
    with connection.cursor() as cursor:
        for name in connection.introspection.table_names(cursor):
            if part_pk_of_table(name):
                cursor.execute(f'DROP TABLE "{name}"')


@pytest.fixture
def bench_cleanup():
    yield
    drop_unit_tables()


def test_scan_throughput_against_the_plain_sql_floor(engineer, bench_cleanup):
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")  # setup only; gunicorn keeps the default
    started = time.perf_counter()
    parts = make_parts(engineer, 0, 10)
    part = parts[0]
    add_units(part, 0, BASE_UNITS)
    add_units(part, 0, 3 * WARM_UP, prefix="W")
    token = api_token_issue(name="bench-rig")[1]
    shuffled = random.Random(7).sample(range(BASE_UNITS), BASE_UNITS)
    app_queries, floor_queries = queries_per_scan(part, f"B{shuffled.pop()}", f"B{shuffled.pop()}")
    print(f"\nsetup of 10 parts: {time.perf_counter() - started:.0f} s")

    rows = []
    server = Gunicorn()
    try:
        usids = [f"B{n}" for n in shuffled[: ROUNDS * SCANS]]
        warm = [f"W{n}" for n in range(0, WARM_UP)]
        rows.append(("10 parts, 10,000 units", *run_situation(server, token, part, usids, warm)))
    finally:
        server.stop()

    started = time.perf_counter()
    make_parts(engineer, 10, MANY_PARTS - 10)
    print(f"setup of {MANY_PARTS - 10:,} more parts: {time.perf_counter() - started:.0f} s")
    server = Gunicorn()
    try:
        usids = [f"B{n}" for n in shuffled[ROUNDS * SCANS : 2 * ROUNDS * SCANS]]
        warm = [f"W{n}" for n in range(WARM_UP, 2 * WARM_UP)]
        rows.append(
            (
                f"{MANY_PARTS:,} parts, 10,000 units",
                *run_situation(server, token, part, usids, warm),
            )
        )
        started = time.perf_counter()
        add_units(part, BASE_UNITS, MANY_UNITS)
        elapsed = time.perf_counter() - started
        print(f"setup of {MANY_UNITS - BASE_UNITS:,} more units: {elapsed:.0f} s")
        fresh = random.Random(8).sample(range(BASE_UNITS, MANY_UNITS), ROUNDS * SCANS)
        usids = [f"B{n}" for n in fresh]
        warm = [f"W{n}" for n in range(2 * WARM_UP, 3 * WARM_UP)]
        rows.append(
            (
                f"{MANY_PARTS:,} parts, {MANY_UNITS:,} units",
                *run_situation(server, token, part, usids, warm),
            )
        )
    finally:
        server.stop()

    print(
        f"\nScan benchmark: gunicorn {WORKERS} sync workers, {CLIENTS} clients, PostgreSQL; "
        f"{SCANS} recorded scans per run, best of {ROUNDS} alternating runs"
    )
    print(
        f"database round trips per recorded scan: app {app_queries}, floor {floor_queries} "
        "(BEGIN and COMMIT included; both also pay Django's connection health check)"
    )
    print(
        f"{'situation':<34}{'floor/s':>9}{'p50':>7}{'p99':>7}"
        f"{'app/s':>9}{'p50':>7}{'p99':>7}{'app/floor':>11}"
    )
    for name, floor, app in rows:
        print(
            f"{name:<34}{floor['rate']:>9.0f}{floor['p50']:>7.1f}{floor['p99']:>7.1f}"
            f"{app['rate']:>9.0f}{app['p50']:>7.1f}{app['p99']:>7.1f}"
            f"{app['rate'] / floor['rate']:>11.2f}"
        )
    print("latencies in ms; target app/floor >= 0.50")
    (_n, floor1, app1), (_n, floor2, app2), (_n, floor3, app3) = rows
    for label, (floor_a, app_a), (floor_b, app_b) in [
        (f"{MANY_PARTS:,} parts vs 10 parts", (floor1, app1), (floor2, app2)),
        (f"{MANY_UNITS:,} units vs 10,000 units", (floor2, app2), (floor3, app3)),
    ]:
        print(
            f"cost per scan, {label}: app x{app_a['rate'] / app_b['rate']:.2f}, "
            f"floor x{floor_a['rate'] / floor_b['rate']:.2f}; "
            f"app/floor {app_a['rate'] / floor_a['rate']:.2f} -> "
            f"{app_b['rate'] / floor_b['rate']:.2f}"
        )
    assert ScanEvent.objects.filter(stage="qc").count() >= 3 * ROUNDS * SCANS
