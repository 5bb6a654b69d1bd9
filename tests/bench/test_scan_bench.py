"""Scan throughput under gunicorn on PostgreSQL against the plain-SQL floor, driven by wrk.

Run on demand (needs ``wrk``: ``apt-get install wrk``):

    DATABASE_URL=postgres://root@127.0.0.1:5432/test DATABASE_TEST_NAME=bench_sf_scans \\
        make bench PYTEST_ARGS="-k scan_bench"

One gunicorn (``BENCH_WORKERS`` sync workers, default 3) serves the whole app and the floor
(``tests/bench/floor.py``: a bare JSON view touching no database, and views doing each scan's
writes in plain SQL, one statement committed on its own: one round trip). ``wrk`` (a C load
generator, ``BENCH_CONNECTIONS`` keep-alive connections, default 16) sends for
``BENCH_SECONDS`` (default 5) per run, every request a distinct scan built by
``tests/bench/scans.lua``. The scenarios, each against its floor:

- registration: a new USID at the first stage, part_no given (floor: three INSERTs: the USID
  index, the unit row, the event);
- next stage: qc passed by a registered unit (floor: UPDATE of the unit row, INSERT of the event);
- fail: qc failed with a defect reason, putting the unit on hold (floor: the same two writes);
- qc + three values: qc passed with three values (two measurements within their limits and a
  text) in ``data`` (floor: the same two writes, the UPDATE also setting the three columns and
  the INSERT carrying the values as JSON);
- scan screen: qc through the screen's own endpoint, exactly as its queue of scans sends it
  (``static/js/scan_screen.js``: the form's fields with a distinct ``scan_id``, the session
  cookie, the CSRF header, ``Accept: application/json``), the JSON answer checked to say
  "recorded" and its receipt kept (floor: the next stage's).

They run in three situations (``BENCH_SITUATIONS=1`` for the first only): 10 parts, the part
scanned with 10,000 units; 5,000 parts (``BENCH_PARTS``; 10 leaves this one out); the part grown
to 1,000,000 units (bulk-loaded with ``INSERT ... SELECT generate_series``). In each,
``BENCH_REPEATS`` (default 3) rounds run the bare view, then each scenario's floor and app back
to back (the order alternating by round):
the ratios compare runs made seconds apart on the same shared machine, whose load is printed.

Before each round ``pgbench`` (when installed) runs the floor's next-stage statement against a
copy of the event table with as many connections as gunicorn has workers, twice: with the
server's own durability settings (printed), and with ``synchronous_commit`` off: what the
database alone commits, and what it would without waiting for each commit to reach the disk.
pgbench runs it prepared (``-M prepared``), as the app and the floor run a scan's statements
(``shopfloor.prepared_statements``): planned once per connection, so the floors and the database
alone do the least database work of a scan and the comparison stays honest.
For every run the cores kept busy by gunicorn's workers, by PostgreSQL and by wrk, and the
machine's idle share, are printed; "where the floor's limit lies" sets the bare view, the floors
and the database alone side by side: which of the client, the server's CPU, the database's CPU
or its commits bounds the floor.

For each run it prints scans/s, p50/p99 (wrk's latency distribution of every request), the
gunicorn workers' CPU time per scan (from /proc) and wrk's own CPU use; the floor's rate over
the bare view's shows what the client and gunicorn allow at all. After every run the database
is checked: each answered scan is recorded once (events, unit rows and registrations agree with
each other and lie between the answered and the sent requests; no USID twice). The database
round trips of each scan are counted once per scenario, in this process, through the whole
middleware stack. The targets: registration >= 0.6 of its floor, next stage and qc with values
>= 0.8, the screen >= 0.5; cost per scan (app/floor) flat within 1.2 from 10 to 5,000 parts
and from 10,000 to 1,000,000 units.
"""

import itertools
import json
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from parts.models import ModelPart
from procedures.services import procedure_apply
from shopfloor.scanning.services import api_token_issue
from shopfloor.stations.models import DefectReason, ScanEvent, Station
from tests.support.servers import Gunicorn, SignedIn, database_url_of

WRK = shutil.which("wrk")
PGBENCH = shutil.which("pgbench")

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the scan benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...",
    ),
    pytest.mark.skipif(WRK is None, reason="the scan benchmark needs wrk: apt-get install wrk"),
    pytest.mark.django_db(transaction=True),
]

HERE = Path(__file__).resolve().parent
WORKERS = int(os.environ.get("BENCH_WORKERS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
WRK_THREADS = int(os.environ.get("BENCH_WRK_THREADS", "2"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
SITUATIONS = int(os.environ.get("BENCH_SITUATIONS", "3"))
MANY_PARTS = int(os.environ.get("BENCH_PARTS", "5000"))
POOL, MANY_UNITS = 10_000, int(os.environ.get("BENCH_UNITS", "1000000"))
TICKS = os.sysconf("SC_CLK_TCK")

PROCEDURE = {
    "version": 1,
    "stages": [
        {"key": "smd", "label": "SMD", "result": "pass_fail"},
        {"key": "qc", "label": "QC", "result": "pass_fail"},
        {"key": "dispatch", "label": "Dispatch"},
    ],
    # Entered with the qc scan; none required, so the other qc scenarios send no values.
    "fields": [
        {
            "key": "v_out",
            "label": "Output voltage",
            "type": "measurement",
            "unit": "V",
            "min": 4.75,
            "max": 5.25,
            "stage": "qc",
        },
        {
            "key": "i_in",
            "label": "Input current",
            "type": "measurement",
            "unit": "mA",
            "max": 250,
            "stage": "qc",
        },
        {"key": "fw", "label": "Firmware", "type": "text", "stage": "qc"},
    ],
}
# The values of the "qc + three values" scenario (scans.lua sends the same).
QC_VALUES = {"v_out": 5.01, "i_in": 120.5, "fw": "2.1.0"}


@dataclass(frozen=True)
class Scenario:
    name: str
    lua: str  # the scenario of scans.lua
    floor_path: str
    success: int  # the app's status for a recorded scan
    target: float | None  # the least app/floor ratio wanted
    registers: bool = False


SCENARIOS = [
    Scenario("registration", "register", "/bench/floor/register", 201, 0.6, registers=True),
    Scenario("next stage", "next", "/bench/floor/stage", 201, 0.8),
    Scenario("fail + defect", "fail", "/bench/floor/stage", 201, None),
    Scenario("scan screen", "screen", "/bench/floor/stage", 200, 0.5),
    Scenario("qc + three values", "data", "/bench/floor/stage_data", 201, 0.8),
]
if os.environ.get("BENCH_SCENARIOS"):  # e.g. "register,screen" while profiling one
    SCENARIOS = [s for s in SCENARIOS if s.lua in os.environ["BENCH_SCENARIOS"].split(",")]


@dataclass
class Rig:
    """What the runs need: the part scanned, the pool's spacing, the credentials."""

    part: ModelPart
    station: Station
    token_id: int
    secret: str
    signed_in: SignedIn
    defect_id: int
    stride: int = 1

    @property
    def table(self):
        return f"parts_unit_{self.part.pk}"


def make_parts(user, first, count):
    parts = []
    for number in range(first, first + count):
        part = ModelPart.objects.create(model_no=f"M{number}", part_no=f"P{number}_Part")
        procedure_apply(part=part, config=PROCEDURE, user=user)
        parts.append(part)
    return parts


def add_units(part, first, last):
    """Units ``B<first>`` .. ``B<last - 1>`` of ``part``, registered, SMD passed."""
    table = f"parts_unit_{part.pk}"
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" ("usid", "is_smd", "smd_result", "smd_at", "on_hold", '
            "\"created_at\", \"updated_at\") SELECT 'B' || g, true, 'pass', now(), false, now(), "
            "now() FROM generate_series(%s, %s) AS g",
            [first, last - 1],
        )
        cursor.execute(
            'INSERT INTO "stations_unitregistration" ("usid", "usid_key", "part_id", '
            "\"created_at\") SELECT 'B' || g, 'b' || g, %s, now() "
            "FROM generate_series(%s, %s) AS g",
            [part.pk, first, last - 1],
        )
        cursor.execute(f'VACUUM ANALYZE "{table}"')
        cursor.execute('VACUUM ANALYZE "stations_unitregistration"')


def pool_reset(rig):
    """Undo the qc scans of the pool's unit rows (their events stay: the log is append-only)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{rig.table}" SET "is_qc" = false, "qc_result" = NULL, "qc_at" = NULL, '
            '"qc_by_id" = NULL, "f_v_out" = NULL, "f_i_in" = NULL, "f_fw" = NULL, '
            '"on_hold" = false WHERE "is_qc" OR "qc_result" IS NOT NULL'
        )
        cursor.execute(f'VACUUM "{rig.table}"')


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def postgres_cpu():
    """CPU seconds used so far by each of the PostgreSQL server's processes on this machine
    (its backends among them), by process id."""
    used = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in {"postgres", "postmaster"}:
                    used[entry.name] = cpu_seconds([entry.name])
            except (OSError, IndexError):
                continue  # a process that ended meanwhile
    return used


def postgres_cpu_since(before):
    """CPU seconds PostgreSQL used since ``before`` (a process started since counts whole)."""
    # A process that ended meanwhile is left out: the figure is a floor.
    return sum(seconds - before.get(pid, 0) for pid, seconds in postgres_cpu().items())


def machine_idle():
    """(idle, total) jiffies of all the machine's cores since boot, from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    return fields[3] + fields[4], sum(fields)


def last_event_id():
    return ScanEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def wrk_run(server, rig, scenario, path, tag):
    """One wrk run of ``scenario`` against ``path``; its figures and the database's check."""
    if scenario.lua == "screen" and not path.startswith("/bench/"):
        credential = [rig.signed_in.cookie, rig.signed_in.csrf]
    elif path.startswith("/api/"):
        credential = [f"Bearer {rig.secret}"]
    else:
        credential = []
    command = [
        WRK,
        f"-t{WRK_THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{SECONDS}s",
        "--timeout=10s",
        "-s",
        str(HERE / "scans.lua"),
        server.url,
        "--",
        scenario.lua,
        path,
        "0",
        str(POOL),
        str(rig.stride),
        tag,
        str(rig.part.pk),
        str(rig.token_id),
        str(rig.defect_id),
        *credential,
    ]
    before_id = last_event_id()
    workers = server.worker_pids()
    cpu_before, database_before = cpu_seconds(workers), postgres_cpu()
    idle_before = machine_idle()
    wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    finished = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=SECONDS + 60,
        env={**os.environ, "WRK_THREADS": str(WRK_THREADS)},
    )
    wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = cpu_seconds(workers) - cpu_before
    database_cpu = postgres_cpu_since(database_before)
    idle_after = machine_idle()
    idle = (idle_after[0] - idle_before[0]) / max(idle_after[1] - idle_before[1], 1)
    line = next((ln for ln in finished.stdout.splitlines() if ln.startswith("WRK ")), None)
    assert line, finished.stdout + finished.stderr
    run = json.loads(line[4:])
    answered = run["answered"]
    wrk_cpu = (wrk_after.ru_utime + wrk_after.ru_stime) - (
        wrk_before.ru_utime + wrk_before.ru_stime
    )
    run.update(
        rate=answered / run["seconds"],
        cpu_ms=1000 * cpu / max(answered, 1),
        server_cpu=cpu / run["seconds"],  # cores busy in gunicorn's workers
        database_cpu=database_cpu / run["seconds"],  # cores busy in PostgreSQL
        wrk_cpu=wrk_cpu / run["seconds"],
        idle=idle,  # the share of the machine's cores idle during the run
        problems=[],
    )
    if scenario.lua != "bare":
        settle()
        database_check(rig, scenario, path, tag, before_id, run)
    return run


def settle():
    """Wait until the requests gunicorn had queued when wrk stopped are written (wrk closes its
    connections, but requests already sent are still served)."""
    last, deadline = last_event_id(), time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(1)
        now = last_event_id()
        if now == last:
            return
        last = now


def database_check(rig, scenario, path, tag, before_id, run):
    """Each answered scan recorded exactly once: nothing lost, nothing doubled."""
    statuses = {int(status): n for status, n in run["statuses"].items()}
    success = 201 if path.startswith("/bench/") else scenario.success
    if set(statuses) - {success} or run["socket_errors"]:
        run["problems"].append(f"answers {statuses}, socket errors {run['socket_errors']}")
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT count(*), count(DISTINCT ("usid", "stage")) FROM "stations_scanevent" '
            'WHERE "id" > %s',
            [before_id],
        )
        events, distinct = cursor.fetchone()
        if scenario.registers:
            pattern = f"N{tag}-%"
            cursor.execute(
                'SELECT count(*) FROM "stations_unitregistration" WHERE "usid" LIKE %s', [pattern]
            )
            registered = cursor.fetchone()[0]
            cursor.execute(f'SELECT count(*) FROM "{rig.table}" WHERE "usid" LIKE %s', [pattern])
            rows = cursor.fetchone()[0]
            agree = events == registered == rows
            written = f"{events} events, {registered} registrations, {rows} unit rows"
        else:
            cursor.execute(
                f'SELECT count(*) FROM "{rig.table}" WHERE "is_qc" OR "qc_result" IS NOT NULL'
            )
            rows = cursor.fetchone()[0]
            agree = events == rows
            written = f"{events} events, {rows} unit rows changed"
            if scenario.lua == "screen" and not path.startswith("/bench/"):
                cursor.execute(
                    'SELECT count(*) FROM "stations_scanreceipt" WHERE "scan_id" LIKE %s',
                    [f"{tag}-%"],
                )
                receipts = cursor.fetchone()[0]
                agree = agree and receipts == events
                written += f", {receipts} receipts"
    run["written"] = events
    if not agree or distinct != events or not run["answered"] <= events <= run["sent"]:
        run["problems"].append(
            f"{written}, {distinct} distinct; {run['answered']} answered, {run['sent']} sent"
        )
    if not scenario.registers:
        pool_reset(rig)


def round_trips(rig, operator):
    """Statements of one recorded scan per scenario through the whole stack, in this process,
    after a first scan has warmed the caches; plus 1 for Django's health check when on."""
    health = 1 if connection.settings_dict["CONN_HEALTH_CHECKS"] else 0
    api = Client(headers={"Authorization": f"Bearer {rig.secret}"})
    screen = Client(headers={"Accept": "application/json"})
    screen.force_login(operator)
    base = rig.stride * (POOL - 1)
    sends = {
        "register": lambda n: api.post(
            "/api/v1/scans",
            {"usid": f"RT-{n}", "stage": "smd", "part_no": rig.part.part_no},
            content_type="application/json",
        ),
        "next": lambda n: api.post(
            "/api/v1/scans",
            {"usid": f"B{base - n}", "stage": "qc"},
            content_type="application/json",
        ),
        "fail": lambda n: api.post(
            "/api/v1/scans",
            {
                "usid": f"B{base - 2 - n}",
                "stage": "qc",
                "result": "fail",
                "defect": "solder_bridge",
            },
            content_type="application/json",
        ),
        "data": lambda n: api.post(
            "/api/v1/scans",
            {"usid": f"B{base - 6 - n}", "stage": "qc", "data": QC_VALUES},
            content_type="application/json",
        ),
        "screen": lambda n: screen.post(
            f"/stations/{rig.station.pk}/scan/",
            {
                "code": f"B{base - 4 - n}",
                "pending_usid": "",
                "result": "pass",
                "defect": "",
                "part_no": "",
                "scan_id": f"RT-{n}",
            },
        ),
    }
    counts = {}
    for scenario in SCENARIOS:
        send = sends[scenario.lua]
        assert send(0).status_code == scenario.success
        before = last_event_id()
        with CaptureQueriesContext(connection) as queries:
            response = send(1)
        assert response.status_code == scenario.success
        assert last_event_id() > before, response.content[:300]
        counts[scenario.lua] = len(queries.captured_queries) + health
    pool_reset(rig)
    return counts


def database_alone(rig, *, durable=True):
    """Transactions/s the database commits by itself with as many connections as gunicorn has
    workers, each the floor's next stage in its one statement (the UPDATE of a pool unit and
    the INSERT into a copy of the event table with all its indexes, committed on its own), run
    by ``pgbench``: the floor's ceiling on this machine with the server's real durability
    (``synchronous_commit``, ``fsync``); with ``durable=False`` the same with
    ``synchronous_commit`` off, which shows what waiting for the commit to reach the disk costs.
    Prepared (``-M prepared``), as the app's and the floor's statements are."""
    if PGBENCH is None:
        return None
    probe = f"bench_commit_probe_{os.getpid()}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE TABLE "{probe}" (LIKE "stations_scanevent" INCLUDING ALL)')
    script = Path(tempfile.mkdtemp(prefix="scan-bench-pgbench-")) / "stage.sql"
    script.write_text(
        f"\\set n random(0, {POOL - 1})\n"
        f'WITH unit AS (UPDATE "{rig.table}" SET "updated_at" = now() WHERE "usid" = \'B\' || '
        f"(:n * {rig.stride}) RETURNING 1) "
        f'INSERT INTO "{probe}" ("created_at", "usid", "part_id", "stage", "action", "result", '
        '"source", "tag_no", "reason") '
        f"SELECT now(), 'B' || :n, {rig.part.pk}, 'qc', 'scan', 'pass', 'api', '', '' FROM unit;\n"
    )
    env = dict(os.environ)
    if not durable:
        env["PGOPTIONS"] = "-c synchronous_commit=off"
    try:
        finished = subprocess.run(
            [
                PGBENCH,
                "-n",
                "-Mprepared",
                f"-c{WORKERS}",
                f"-T{SECONDS}",
                "-f",
                str(script),
                database_url_of(connection.settings_dict),
            ],
            capture_output=True,
            text=True,
            timeout=SECONDS + 60,
            env=env,
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP TABLE "{probe}"')
    tps = next(
        (
            ln.split("=")[1].split()[0]
            for ln in finished.stdout.splitlines()
            if ln.startswith("tps")
        ),
        None,
    )
    assert tps, finished.stdout + finished.stderr
    return float(tps)


def database_settings():
    with connection.cursor() as cursor:
        # The server's own values, as gunicorn's and pgbench's sessions have them (this session
        # turned synchronous_commit off for the set-up only).
        cursor.execute(
            "SELECT name, reset_val FROM pg_settings WHERE name IN "
            "('synchronous_commit', 'fsync', 'wal_sync_method') ORDER BY name"
        )
        return ", ".join(f"{name} {value}" for name, value in cursor.fetchall())


def machine_load():
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def run_situation(name, server, rig):
    """Every scenario's floor and app back to back, ``REPEATS`` rounds; the runs by round."""
    print(f"\n== {name} ({machine_load()})")
    print(
        f"{'run':<28}{'scans/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'CPU ms/scan':>12}"
        f"{'gunicorn':>9}{'postgres':>9}{'wrk':>6}{'idle':>6}  {'app/floor'}"
    )
    rounds = []
    for repeat in range(REPEATS):
        durable, fast = database_alone(rig), database_alone(rig, durable=False)
        if durable is not None:
            print(
                f"{'database alone (pgbench)':<28}{durable:>9.0f}  "
                f"(with synchronous_commit off: {fast:.0f})"
            )
        results = {
            "database": {"rate": durable or 0, "problems": []},
            "database, no commit wait": {"rate": fast or 0, "problems": []},
            "bare": wrk_run(
                server, rig, Scenario("bare", "bare", "", 201, None), "/bench/bare", f"x{repeat}"
            ),
        }
        show(f"bare view, round {repeat + 1}", results["bare"])
        for scenario in SCENARIOS:
            app_path = (
                f"/stations/{rig.station.pk}/scan/" if scenario.lua == "screen" else "/api/v1/scans"
            )
            order = [("floor", scenario.floor_path), ("app", app_path)]
            for side, path in order if repeat % 2 == 0 else order[::-1]:
                tag = f"{name[:2].strip()}{repeat}{side[0]}{time.monotonic_ns() % 10**6}"
                results[(scenario.lua, side)] = wrk_run(server, rig, scenario, path, tag)
            app, floor = results[(scenario.lua, "app")], results[(scenario.lua, "floor")]
            show(f"{scenario.name} floor", floor)
            show(f"{scenario.name} app", app, f"{app['rate'] / floor['rate']:.2f}")
        rounds.append(results)
    print(f"({machine_load()} at the end)")
    return rounds


def show(label, run, ratio=""):
    print(
        f"{label:<28}{run['rate']:>9.0f}{run['p50'] / 1000:>8.1f}{run['p99'] / 1000:>8.1f}"
        f"{run['cpu_ms']:>12.2f}{run['server_cpu']:>9.2f}{run['database_cpu']:>9.2f}"
        f"{run['wrk_cpu']:>6.2f}{run['idle']:>6.0%}  {ratio}"
    )
    for problem in run["problems"]:
        print(f"    PROBLEM: {problem}")


def where_the_limit_lies(name, rounds):
    """The bare view, the floors and the database alone side by side, with the cores each part
    kept busy: which of the client, the server, the database's CPU or its commits bounds."""
    bare = median_of(rounds, "bare")
    durable = median_of(rounds, "database")
    fast = median_of(rounds, "database, no commit wait")
    print(
        f"\n{name}: where the floor's limit lies (medians; cores busy: gunicorn's workers, "
        f"PostgreSQL, wrk; idle: the machine's {os.cpu_count()} cores)"
    )
    print(f"{'':<30}{'per s':>8}{'of bare':>9}{'gunicorn':>9}{'postgres':>9}{'wrk':>6}{'idle':>6}")
    keys = [("bare view", "bare")] + [
        (f"{scenario.name} floor", (scenario.lua, "floor"))
        for scenario in SCENARIOS
        if scenario.lua in {"register", "next"}
    ]
    for label, key in keys:
        rate = median_of(rounds, key)
        print(
            f"{label:<30}{rate:>8.0f}{rate / bare:>9.2f}"
            + "".join(
                f"{median_of(rounds, key, field):>{width}.{digits}{kind}}"
                for field, width, digits, kind in (
                    ("server_cpu", 9, 2, "f"),
                    ("database_cpu", 9, 2, "f"),
                    ("wrk_cpu", 6, 2, "f"),
                    ("idle", 6, 0, "%"),
                )
            )
        )
    print(f"{'database alone, durable':<30}{durable:>8.0f}{durable / bare:>9.2f}")
    print(f"{'database alone, no commit wait':<30}{fast:>8.0f}{fast / bare:>9.2f}")
    print(
        f"(pgbench, the floor's next-stage statement, {WORKERS} connections; {database_settings()})"
    )


def median_ratio(rounds, lua):
    return statistics.median(r[(lua, "app")]["rate"] / r[(lua, "floor")]["rate"] for r in rounds)


def median_of(rounds, key, field="rate"):
    return statistics.median(r[key][field] for r in rounds)


def summary(situations, trips):
    print(
        f"\nScan benchmark: gunicorn {WORKERS} sync workers, wrk {WRK_THREADS} threads and "
        f"{CONNECTIONS} connections, {SECONDS} s a run, {REPEATS} rounds, PostgreSQL "
        f"({machine_load()}); medians of the rounds"
    )
    for name, rounds in situations:
        bare = median_of(rounds, "bare")
        alone = median_of(rounds, "database")
        where_the_limit_lies(name, rounds)
        print(
            f"{'scenario':<16}{'floor/s':>9}{'app/s':>8}{'p50':>7}{'p99':>7}{'app/floor':>11}"
            f"{'target':>8}{'floor/bare':>12}{'floor/db':>10}{'trips':>7}{'CPU ms':>8}"
        )
        for scenario in SCENARIOS:
            ratio = median_ratio(rounds, scenario.lua)
            target = "" if scenario.target is None else f">={scenario.target}"
            verdict = (
                ""
                if scenario.target is None
                else (" ok" if ratio >= scenario.target else " MISSED")
            )
            floor = median_of(rounds, (scenario.lua, "floor"))
            print(
                f"{scenario.name:<16}{floor:>9.0f}"
                f"{median_of(rounds, (scenario.lua, 'app')):>8.0f}"
                f"{median_of(rounds, (scenario.lua, 'app'), 'p50') / 1000:>7.1f}"
                f"{median_of(rounds, (scenario.lua, 'app'), 'p99') / 1000:>7.1f}"
                f"{ratio:>11.2f}{target:>8}{floor / bare:>12.2f}{floor / (alone or 1):>10.2f}"
                f"{trips[scenario.lua]:>7}"
                f"{median_of(rounds, (scenario.lua, 'app'), 'cpu_ms'):>8.2f}{verdict}"
            )
    print("latencies in ms; trips: database round trips of one scan (health check included);")
    print("CPU ms: the gunicorn workers' CPU time per scan")
    for (name_a, rounds_a), (name_b, rounds_b) in itertools.pairwise(situations):
        for scenario in SCENARIOS:
            growth = median_ratio(rounds_a, scenario.lua) / median_ratio(rounds_b, scenario.lua)
            cpu = median_of(rounds_b, (scenario.lua, "app"), "cpu_ms") / median_of(
                rounds_a, (scenario.lua, "app"), "cpu_ms"
            )
            verdict = "ok" if growth <= 1.2 else "MISSED"
            print(
                f"cost per scan, {name_b} against {name_a}, {scenario.name}: "
                f"x{growth:.2f} of the floor's (target <= 1.2: {verdict}), CPU x{cpu:.2f}"
            )


@pytest.fixture
def bench_cleanup():
    yield
    drop_unit_tables()


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


def test_scan_throughput_against_the_plain_sql_floor(
    engineer, operator, defect_reasons, bench_cleanup
):
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")  # setup only; gunicorn keeps the default
    started = time.perf_counter()
    part = make_parts(engineer, 0, 10)[0]
    add_units(part, 0, POOL)
    station = Station.objects.create(name="QC-bench", line="Bench", stage="qc")
    station.parts.add(part)
    token, secret = api_token_issue(name="bench-rig")
    rig = Rig(
        part=part,
        station=station,
        token_id=token.pk,
        secret=secret,
        signed_in=SignedIn(operator),
        defect_id=DefectReason.objects.get(code="solder_bridge").pk,
    )
    print(f"\nsetup of 10 parts: {time.perf_counter() - started:.0f} s")
    log_dir = tempfile.mkdtemp(prefix="scan-bench-")
    settings_env = {"DJANGO_SETTINGS_MODULE": "tests.bench.bench_settings"}
    database_url = database_url_of(connection.settings_dict)

    def serve():
        return Gunicorn(
            database_url=database_url,
            log_dir=log_dir,
            workers=WORKERS,
            env=settings_env,
            pages=True,
            name="scan-bench",
        )

    situations = []
    trips = round_trips(rig, operator)
    server = serve()
    try:
        situations.append(("10 parts", run_situation("10 parts", server, rig)))
    finally:
        server.stop()
    assert not server.server_errors(), server.server_errors()

    if SITUATIONS > 1:
        many_parts = MANY_PARTS > 10  # BENCH_PARTS=10 goes from 10,000 units to the million
        if many_parts:
            started = time.perf_counter()
            make_parts(engineer, 10, MANY_PARTS - 10)
            elapsed = time.perf_counter() - started
            print(f"setup of {MANY_PARTS - 10:,} more parts: {elapsed:.0f} s")
        server = serve()
        try:
            if many_parts:
                name = f"{MANY_PARTS:,} parts"
                situations.append((name, run_situation(name, server, rig)))
            if SITUATIONS > 2:
                started = time.perf_counter()
                add_units(part, POOL, MANY_UNITS)
                rig.stride = MANY_UNITS // POOL  # the pool spread over the whole table
                elapsed = time.perf_counter() - started
                print(f"setup of {MANY_UNITS - POOL:,} more units: {elapsed:.0f} s")
                name = f"{MANY_UNITS:,} units"
                situations.append((name, run_situation(name, server, rig)))
        finally:
            server.stop()
        assert not server.server_errors(), server.server_errors()

    summary(situations, trips)
    problems = [
        (name, key, problem)
        for name, rounds in situations
        for results in rounds
        for key, run in results.items()
        for problem in run["problems"]
    ]
    assert not problems, problems
