"""Soak: 64 stations scanning through gunicorn on PostgreSQL while an engineer changes procedures.

Run on demand (10 minutes by default; ``SOAK_SECONDS=60`` for a short run):

    DATABASE_URL=postgres://root@127.0.0.1:5432/test DATABASE_TEST_NAME=bench_sf_soak make soak

Gunicorn (``SOAK_WORKERS`` sync workers, default 4) serves the app in production mode.
``SOAK_STATIONS`` stations (default 64: SMD 16, Leaded 8, QC 16, Testing 12, Dispatch 12),
each with its own station token and keep-alive connection, scan as fast as the server answers,
mixing what a line sends: new units (some failing SMD), next stages, duplicates, fails and
reworks, out-of-order scans, units on hold, a fail over a pass, unknown USIDs, and races: two
stations sending the same unit at once (same stage, or Leaded and QC together, or the same new
USID). Meanwhile an engineer changes the procedure of a part being scanned every
``SOAK_CHANGE_SECONDS`` (default 5): labels and instructions, an optional stage added and
retired, an extra field added and retired; and a supervisor reads part summaries and units.

Every answer is checked against the scan rules as it arrives (``tests.support.scan_ledger``). At the
end the database must hold exactly the ledger's registrations, unit rows (every stage's flag
and result, the hold) and scan events, with no 5xx, no transport error and no error in the
server's log. It prints the counts and the latency percentiles.
"""

import concurrent.futures
import itertools
import json
import os
import random
import statistics
import threading
import time

import pytest
from django.db import connection

from parts.models import ModelPart
from procedures.models import PartProcedureDetail
from procedures.services import procedure_apply
from shopfloor.scanning.services import api_token_issue
from shopfloor.stations.models import DefectReason, ScanEvent, Station, UnitRegistration
from tests.support.scan_ledger import (
    DEFECT,
    Ledger,
    Sent,
    database_differences,
    procedure_config,
    shuffled_kinds,
)
from tests.support.servers import ApiConnection, Gunicorn, SignedIn, database_url_of

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the soak runs gunicorn on PostgreSQL: set DATABASE_URL=postgres://...",
    ),
    pytest.mark.django_db(transaction=True),
]

SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))
STATIONS = int(os.environ.get("SOAK_STATIONS", "64"))
WORKERS = int(os.environ.get("SOAK_WORKERS", "4"))
PARTS = int(os.environ.get("SOAK_PARTS", "6"))
CHANGE_EVERY = float(os.environ.get("SOAK_CHANGE_SECONDS", "5"))
SEED = int(os.environ.get("SOAK_SEED", "8"))

# Share of the stations per stage (of 16): SMD 4, Leaded 2, QC 4, Testing 3, Dispatch 3.
STATION_SHARES = {"smd": 4, "leaded": 2, "qc": 4, "testing": 3, "dispatch": 3}
# What each station sends, by weight.
LATER_STAGE = {"next": 45, "duplicate": 8, "early": 6, "held": 4, "race_same": 5, "unknown": 1}
WEIGHTS = {
    "smd": {
        "new": 40,
        "new_fail": 3,
        "race_new": 4,
        "rework": 5,
        "duplicate": 8,
        "conflict": 2,
        "held": 3,
        "unknown": 1,
    },
    "leaded": {"next": 45, "duplicate": 8, "held": 4, "race_same": 5, "unknown": 1},
    # Nothing can be early at QC: a registered unit has passed or failed SMD (then it is held).
    "qc": {
        **{kind: weight for kind, weight in LATER_STAGE.items() if kind != "early"},
        "fail": 3,
        "rework": 4,
        "conflict": 2,
        "race_cross": 4,
    },
    "testing": LATER_STAGE,
    "dispatch": LATER_STAGE,
}
# kind -> (ledger category of the unit, result sent)
TAKEN = {
    "next": ("ready", "pass"),
    "fail": ("ready", "fail"),
    "rework": ("failed", "pass"),
    "duplicate": ("done", "pass"),
    "conflict": ("done", "fail"),
    "early": ("early", "pass"),
    "held": ("held", "pass"),
    "race_same": ("ready", "pass"),
    "race_cross": ("ready", "pass"),
}
# Procedure variants the engineer cycles through; none changes the scanned stages' rules.
VARIANTS = [
    {"relabel": " (rev B)"},
    {"extra_stage": True},
    {"extra_stage": True, "extra_field": True},
    {},
    {"extra_field": True, "relabel": " (rev C)"},
    {"extra_stage": True, "extra_field": True},
]


def stage_labels(config):
    stages = [(stage["key"], stage["label"]) for stage in config["stages"]]
    return stages, [field["key"] for field in config["fields"]]


def percentiles(seconds):
    """p50, p90, p99, p99.9 and max of latencies, in milliseconds."""
    if not seconds:
        return {}
    ordered = sorted(seconds)

    def at(share):
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000

    return {
        "p50": statistics.median(ordered) * 1000,
        "p90": at(0.90),
        "p99": at(0.99),
        "p99.9": at(0.999),
        "max": ordered[-1] * 1000,
    }


class Run:
    """Shared state of the soak: the ledger, latencies, counters, the deadline."""

    def __init__(self, url, parts, deadline):
        self.url = url
        self.parts = parts
        self.deadline = deadline
        self.ledger = Ledger()
        self.latencies = []  # (kind, status, seconds)
        self.reads = []  # (status, seconds)
        self.statuses = {}
        self.lock = threading.Lock()
        self.procedure_changes = 0
        self.busy_refusals = 0
        self.errors = []

    def note(self, kind, status, seconds):
        self.latencies.append((kind, status, seconds))
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1


class StationLoop:
    """One station's thread: picks what to scan, sends it, settles the answer."""

    def __init__(self, run, number, station, token, partners):
        self.run = run
        self.number = number
        self.station = station
        self.connection = ApiConnection(run.url, token)
        self.partners = {
            stage: (partner.pk, ApiConnection(run.url, partner_token))
            for stage, (partner, partner_token) in partners.items()
        }
        self.rng = random.Random(SEED * 1000 + number)
        self.counter = itertools.count()
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)

    def __call__(self):
        try:
            while time.monotonic() < self.run.deadline:
                if not self.step():
                    time.sleep(0.05)
        except Exception as error:  # reported by the test
            self.run.errors.append(f"station {self.station.name}: {type(error).__name__}: {error}")
        finally:
            self.pool.shutdown()

    def step(self):
        stage = self.station.stage
        for kind in shuffled_kinds(WEIGHTS[stage], self.rng):
            if kind in ("new", "new_fail", "race_new", "unknown"):
                return self.fresh(kind)
            category, result = TAKEN[kind]
            accept = None
            if kind == "race_cross":
                accept = lambda unit: "leaded" not in unit.results  # noqa: E731
            unit = self.run.ledger.take(category, stage, self.rng, accept)
            if unit is not None:
                self.scan(kind, unit, result)
                return True
        return False

    def fresh(self, kind):
        prefix = "X" if kind == "unknown" else "S"
        usid = f"{prefix}{self.number:02d}-{next(self.counter):07d}"
        part_no = self.rng.choice(self.run.parts).part_no
        unit = self.run.ledger.new_unit(usid, part_no)
        body = {"usid": usid, "stage": self.station.stage}
        if kind != "unknown":
            body["part_no"] = part_no
        if kind == "new_fail":
            body.update(result="fail", defect=DEFECT)
        partner = "smd" if kind == "race_new" else None
        self.send(kind, unit, body, partner)
        return True

    def scan(self, kind, unit, result):
        body = {"usid": unit.usid, "stage": self.station.stage, "result": result}
        if result == "fail":
            body["defect"] = DEFECT
        partner = {"race_same": self.station.stage, "race_cross": "leaded"}.get(kind)
        self.send(kind, unit, body, partner)

    def send(self, kind, unit, body, partner_stage):
        if partner_stage is None:
            answers = [(self.station.pk, body, self.connection)]
        else:
            partner_id, partner_connection = self.partners[partner_stage]
            partner_body = {**body, "stage": partner_stage}
            answers = [(self.station.pk, body, self.connection)]
            answers.append((partner_id, partner_body, partner_connection))
        barrier = threading.Barrier(len(answers))

        def post(connection_, payload):
            if len(answers) > 1:
                barrier.wait(timeout=30)
            return connection_.send("POST", "/api/v1/scans", payload)

        futures = [self.pool.submit(post, conn, payload) for _sid, payload, conn in answers[1:]]
        results = [post(answers[0][2], answers[0][1])]
        results += [future.result(timeout=120) for future in futures]
        sent = []
        for (station_id, payload, _conn), (status, answer, seconds) in zip(
            answers, results, strict=True
        ):
            self.run.note(kind, status, seconds)
            if status is None or status >= 500:
                self.run.ledger.failure(kind, unit.usid, (status, answer))
            result = payload.get("result", "pass")
            names_part = "part_no" in payload
            sent.append(Sent(payload["stage"], result, station_id, status, answer, names_part))
        self.run.ledger.settle(unit, kind=kind, scans=sent)


def engineer_loop(run, server, browser):
    """Change the procedure of the parts being scanned, one after another, through the app as
    the editor does (JSON apply from the version the engineer opened), retrying when scans
    hold the unit table past the lock timeout (503 busy)."""
    rng = random.Random(SEED)
    variants = itertools.cycle(VARIANTS)
    versions = {part.pk: 1 for part in run.parts}
    try:
        for part in itertools.cycle(run.parts):
            if time.monotonic() + CHANGE_EVERY > run.deadline:
                break
            time.sleep(CHANGE_EVERY * rng.uniform(0.5, 1.5))
            config = procedure_config(**next(variants))
            while time.monotonic() < run.deadline:
                payload = {"config": config, "expected_version": versions[part.pk]}
                status, body = browser.post_json(server, f"/procedures/{part.pk}/apply", payload)
                if status == 503 and json.loads(body)["error"]["code"] == "busy":
                    run.busy_refusals += 1
                    continue
                if status != 200:
                    run.errors.append(f"procedure change of {part.part_no}: {status} {body[:300]}")
                    return
                versions[part.pk] = json.loads(body)["version"]
                run.procedure_changes += 1
                part.soak_procedure = (versions[part.pk], config)
                break
    except Exception as error:  # reported by the test
        run.errors.append(f"engineer: {type(error).__name__}: {error}")


def supervisor_loop(run, token):
    """A line-side screen: each part's summary and a recent unit, twice a second."""
    reader = ApiConnection(run.url, token)
    rng = random.Random(SEED + 1)
    while time.monotonic() < run.deadline:
        part = rng.choice(run.parts)
        for path in (f"/api/v1/parts/{part.part_no}/summary", None):
            if path is None:
                with run.ledger.lock:
                    units = list(run.ledger.units)[-50:]
                if not units:
                    continue
                path = f"/api/v1/units/{rng.choice(units)}"
            status, answer, seconds = reader.send("GET", path)
            run.reads.append((status, seconds))
            if status != 200 and not (status == 404 and "/units/" in path):
                run.errors.append(f"supervisor GET {path}: {status} {str(answer)[:200]}")
        time.sleep(0.5)


def setup_line(engineer):
    parts = []
    for number in range(PARTS):
        part = ModelPart.objects.create(model_no=f"SOAK{number}", part_no=f"SOAK{number}_Part")
        config = procedure_config()
        applied = procedure_apply(part=part, config=config, user=engineer)
        part.soak_procedure = (applied.version, config)
        parts.append(part)
    DefectReason.objects.get_or_create(code=DEFECT, defaults={"label": "Solder bridge"})
    total = sum(STATION_SHARES.values())
    stages = [
        stage for stage, share in STATION_SHARES.items() for _ in range(STATIONS * share // total)
    ]
    stages += ["smd"] * (STATIONS - len(stages))
    stations = []
    for number, stage in enumerate(stages):
        name = f"{stage.upper()}-{number:02d}"
        station = Station.objects.create(name=name, line="Soak", stage=stage)
        stations.append((station, api_token_issue(name=station.name, station=station)[1]))
    return parts, stations


def partners_of(stations, index):
    """For station ``index``: another station of its stage, and a Leaded station."""
    station = stations[index][0]
    partners = {}
    for stage in {station.stage, "leaded"}:
        same = [i for i, (other, _t) in enumerate(stations) if other.stage == stage and i != index]
        partners[stage] = stations[same[index % len(same)]]
    return partners


def test_soak_64_stations_lose_and_double_nothing(engineer, tmp_path):
    parts, stations = setup_line(engineer)
    reader_token = api_token_issue(name="soak-supervisor-screen", may_read=True)[1]
    server = Gunicorn(
        database_url=database_url_of(connection.settings_dict),
        log_dir=tmp_path,
        workers=WORKERS,
        name="soak",
    )
    started = time.monotonic()
    run = Run(server.url, parts, started + SECONDS)
    loops = [
        StationLoop(run, index, station, token, partners_of(stations, index))
        for index, (station, token) in enumerate(stations)
    ]
    threads = [threading.Thread(target=loop, name=f"station-{i}") for i, loop in enumerate(loops)]
    browser = SignedIn(engineer)
    threads.append(threading.Thread(target=engineer_loop, args=(run, server, browser)))
    threads.append(threading.Thread(target=supervisor_loop, args=(run, reader_token)))
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(SECONDS + 300)
        elapsed = time.monotonic() - started
        server_errors = server.server_errors()
    finally:
        server.stop()

    ledger = run.ledger
    differences = database_differences(ledger, parts)
    report(run, elapsed, server_errors, differences)

    assert not [thread.name for thread in threads if thread.is_alive()]
    assert not run.errors, run.errors[:10]
    assert not ledger.mismatches, ledger.mismatches[:10]
    assert not server_errors, server_errors[:20]
    assert not [status for status in run.statuses if status is None or status >= 500]
    assert not differences, differences
    for part in parts:
        procedure = PartProcedureDetail.objects.get(model_part=part)
        version, config = part.soak_procedure
        assert procedure.version == version
        assert stage_labels(procedure.procedure_config) == stage_labels(config)
    assert run.procedure_changes >= min(len(parts), SECONDS // CHANGE_EVERY // 2)


def report(run, elapsed, server_errors, differences):
    ledger = run.ledger
    scans = len(run.latencies)
    recorded = [seconds for _kind, status, seconds in run.latencies if status == 201]
    units = UnitRegistration.objects.count()
    events = ScanEvent.objects.count()
    print(
        f"\nSoak: {STATIONS} stations, gunicorn {WORKERS} sync workers, PostgreSQL, {elapsed:.0f} s"
    )
    print(f"scans sent: {scans:,} ({scans / elapsed:.0f}/s)")
    print("by kind: " + ", ".join(f"{k} {v:,}" for k, v in sorted(ledger.counts.items())))
    answers = sorted(run.statuses.items(), key=str)
    print("answers: " + ", ".join(f"{status} {count:,}" for status, count in answers))
    print(
        f"procedure changes applied: {run.procedure_changes} "
        f"(refused while scans held the table, then retried: {run.busy_refusals})"
    )
    print(
        f"database: {units:,} units registered, {events:,} scan events; ledger: "
        f"{len(ledger.units):,} units, {len(ledger.events):,} events; differences: "
        f"{len(differences)}"
    )
    for name, seconds in [
        ("every scan", [s for _k, _st, s in run.latencies]),
        ("recorded (201)", recorded),
        ("supervisor reads", [s for _st, s in run.reads]),
    ]:
        figures = percentiles(seconds)
        print(
            f"latency {name:<17}"
            + "  ".join(f"{label} {value:7.1f}" for label, value in figures.items())
            + " ms"
        )
    print(
        f"mismatched answers: {len(ledger.mismatches)}, server errors in the log: "
        f"{len(server_errors)}, other errors: {len(run.errors)}"
    )
