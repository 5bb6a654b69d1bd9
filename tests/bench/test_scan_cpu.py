"""Python CPU time of one scan through the whole Django stack, per scenario, beside the floor's.

Run on demand (PostgreSQL):

    DATABASE_URL=postgres://root@127.0.0.1:5432/test DATABASE_TEST_NAME=bench_sf_scans \\
        .venv/bin/python -m pytest tests/bench/test_scan_cpu.py -s -p no:cacheprovider

Each scan is handed to Django's WSGI handler in this process as gunicorn hands it (a WSGI
environ, the body as a stream), with the middleware, settings and database of the app, and
``time.process_time`` counts this process's CPU over ``BENCH_CPU_SCANS`` scans (default 2,000)
of each scenario, then of its floor (``tests/bench/floor.py``): the database's work and the
wait for it are not counted, so the figure holds on a busy machine where throughput does not.
The difference between app and floor is what the app's Python adds to a scan. Beside it, the
database's CPU per scan over the same scans: the utime and stime of the PostgreSQL backend
serving this process's connection (``pg_backend_pid()``, read from its ``/proc/<pid>/stat``:
the database must run on this machine, readable by this user), so what planning and executing
the scan's statements cost PostgreSQL counts too, again whatever else the machine runs. With
``BENCH_CPU_PROFILE=<scenario>`` (e.g. ``screen``) it prints that scenario's cProfile.
"""

import cProfile
import io
import json
import os
import pstats
import sys
import time
from urllib.parse import urlencode

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from shopfloor.scanning.services import api_token_issue
from shopfloor.stations.models import DefectReason, Station
from tests.bench.test_scan_bench import POOL, QC_VALUES, add_units, make_parts, pool_reset
from tests.support.servers import SignedIn

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the scan CPU probe runs on PostgreSQL: set DATABASE_URL=postgres://...",
    ),
    pytest.mark.django_db(transaction=True),
]

SCANS = int(os.environ.get("BENCH_CPU_SCANS", "2000"))
PROFILE = os.environ.get("BENCH_CPU_PROFILE", "")
COUNTED = 20


def environ(method, path, body, content_type, headers):
    env = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in headers.items():
        env["HTTP_" + name.upper().replace("-", "_")] = value
    return env


def call(handler, env):
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"] = int(status.split()[0])

    body = b"".join(handler(env, start_response))
    return answer["status"], body


def requests_of(rig, scenario, side, tag, n):
    """The WSGI environ of scan ``n`` of ``scenario`` (the floor's when ``side`` is floor)."""
    floor = side == "floor"
    ids = {"part_id": rig["part_id"], "token_id": rig["token_id"]} if floor else {}
    unit = f"B{n}"
    if scenario == "register":
        data = {"usid": f"N{tag}-{n}", "stage": "smd", "part_no": "P0_Part", **ids}
        path = "/bench/floor/register" if floor else "/api/v1/scans"
    elif scenario == "next" or (scenario == "screen" and floor):
        data = {"usid": unit, "stage": "qc", **ids}
        path = "/bench/floor/stage" if floor else "/api/v1/scans"
    elif scenario == "fail":
        data = {"usid": unit, "stage": "qc", "result": "fail", **ids}
        data |= {"defect_id": rig["defect_id"]} if floor else {"defect": "solder_bridge"}
        path = "/bench/floor/stage" if floor else "/api/v1/scans"
    elif scenario == "data":
        data = {"usid": unit, "stage": "qc", "data": QC_VALUES, **ids}
        path = "/bench/floor/stage_data" if floor else "/api/v1/scans"
    else:  # the scan screen's queue, as static/js/scan_screen.js sends it
        fields = {
            "code": unit,
            "pending_usid": "",
            "result": "pass",
            "defect": "",
            "part_no": "",
            "scan_id": f"{tag}-{n}",
        }
        return environ(
            "POST",
            f"/stations/{rig['station_id']}/scan/",
            urlencode(fields).encode(),
            "application/x-www-form-urlencoded;charset=UTF-8",
            {
                "Cookie": rig["signed_in"].cookie,
                "X-CSRFToken": rig["signed_in"].csrf,
                "Accept": "application/json",
            },
        )
    headers = {} if floor else {"Authorization": f"Bearer {rig['secret']}"}
    return environ("POST", path, json.dumps(data).encode(), "application/json", headers)


SCENARIOS = [
    ("registration", "register", 201),
    ("next stage", "next", 201),
    ("fail + defect", "fail", 201),
    ("scan screen", "screen", 200),
    ("qc + three values", "data", 201),
]


TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def backend_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def backend_cpu_ms(pid):
    """The CPU time (user and system, ms) the PostgreSQL backend ``pid`` has spent so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) * TICK_MS  # utime, stime: fields 14 and 15


def measure(handler, rig, scenario, side, success):
    tag = f"{side[0]}{time.monotonic_ns() % 10**6}"
    envs = [requests_of(rig, scenario, side, tag, n) for n in range(SCANS)]
    call(handler, requests_of(rig, scenario, side, tag + "w", 0))  # warm
    if scenario != "register":
        pool_reset(rig["rig"])
    profile = cProfile.Profile(time.process_time) if scenario == PROFILE and side == "app" else None
    pid = backend_pid()
    connection.close_at = None  # a run longer than CONN_MAX_AGE keeps its one backend to read
    database_started = backend_cpu_ms(pid)
    started = time.process_time()
    if profile:
        profile.enable()
    statuses = {}
    for env in envs:
        status, body = call(handler, env)
        statuses[status] = statuses.get(status, 0) + 1
    if profile:
        profile.disable()
    spent = time.process_time() - started
    assert statuses == {success if side == "app" else 201: SCANS}, (statuses, body[:300])
    assert backend_pid() == pid, "the connection was replaced during the scans"
    database = backend_cpu_ms(pid) - database_started
    if scenario != "register":
        pool_reset(rig["rig"])
    # Deterministic beside the CPU time: Python function calls and database statements of a
    # scan (the health check included), over a few more scans: the calls without logging the
    # statements (as the timed scans run), then the statements logged.
    counting = cProfile.Profile()
    counting.enable()
    for n in range(COUNTED):
        call(handler, requests_of(rig, scenario, side, tag + "c", SCANS + 10 + n))
    counting.disable()
    with CaptureQueriesContext(connection) as queries:
        for n in range(COUNTED):
            call(handler, requests_of(rig, scenario, side, tag + "q", SCANS + 10 + COUNTED + n))
    if scenario != "register":
        pool_reset(rig["rig"])
    calls = sum(entry[0] for entry in pstats.Stats(counting).stats.values()) / COUNTED
    health = 1 if connection.settings_dict["CONN_HEALTH_CHECKS"] else 0
    statements = len(queries.captured_queries) / COUNTED + health
    if os.environ.get("BENCH_CPU_SQL") and side == "app":
        for query in queries.captured_queries[: len(queries.captured_queries) // COUNTED]:
            print("   ", query["sql"][:150])
    if profile:
        if os.environ.get("BENCH_CPU_PROFILE_OUT"):
            profile.dump_stats(os.environ["BENCH_CPU_PROFILE_OUT"])
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(45)
        out.write("\n")
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(35)
        print(out.getvalue())
    return 1000 * spent / SCANS, calls, statements, database / SCANS


@override_settings(ROOT_URLCONF="tests.bench.floor", DEBUG=False)
def test_python_cpu_per_scan(engineer, operator, defect_reasons):
    from tests.bench.test_scan_bench import Rig

    part = make_parts(engineer, 0, 1)[0]
    add_units(part, 0, max(POOL, SCANS + 100))
    station = Station.objects.create(name="QC-bench", line="Bench", stage="qc")
    station.parts.add(part)
    token, secret = api_token_issue(name="bench-rig")
    defect_id = DefectReason.objects.get(code="solder_bridge").pk
    signed_in = SignedIn(operator)
    rig = {
        "part_id": part.pk,
        "token_id": token.pk,
        "secret": secret,
        "station_id": station.pk,
        "defect_id": defect_id,
        "signed_in": signed_in,
        "rig": Rig(part, station, token.pk, secret, signed_in, defect_id),
    }
    handler = WSGIHandler()
    wanted = os.environ.get("BENCH_SCENARIOS")
    print(f"\nPython CPU per scan, in-process WSGI, {SCANS} scans each (load {os.getloadavg()})")
    print(
        f"{'scenario':<20}{'floor ms':>9}{'app ms':>8}{'app/floor':>10}{'calls':>13}"
        f"{'statements':>12}{'db floor ms':>13}{'db app ms':>11}"
    )
    for name, scenario, success in SCENARIOS:
        if wanted and scenario not in wanted.split(","):
            continue
        floor, floor_calls, floor_statements, floor_database = measure(
            handler, rig, scenario, "floor", success
        )
        app, calls, statements, database = measure(handler, rig, scenario, "app", success)
        print(
            f"{name:<20}{floor:>9.3f}{app:>8.3f}{app / floor:>10.2f}"
            f"{f'{floor_calls:.0f}/{calls:.0f}':>13}{f'{floor_statements:g}/{statements:g}':>12}"
            f"{floor_database:>13.3f}{database:>11.3f}"
        )
    print("ms: Python CPU per scan; calls: Python function calls per scan (floor/app);")
    print("statements: database statements per scan, the health check included (floor/app);")
    print("db ms: the PostgreSQL backend's CPU per scan (utime + stime) over the same scans")
