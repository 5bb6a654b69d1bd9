"""Job workers beside the line, run on demand on PostgreSQL:
`make bench PYTEST_ARGS="-k jobs_bench"`.

- Export throughput: a part of ``JOBS_BENCH_UNITS`` units (default 1,000,000) exported by a
  real job worker as units CSV and units Excel; time from the click to the file offered.
  ``JOBS_BENCH_THROUGHPUT=0`` leaves it out.
- Scans while exports run: the scan API through gunicorn (3 workers) driven by ``wrk`` (a C
  load generator; a Lua script registers a new unit per request), before any export, while
  ``JOBS_BENCH_EXPORTS`` (default 5) exports of the part are asked for at once and run in as
  many job workers (started as the deploy guide runs them, ``--nice 19``), and after them.
  Each phase runs wrk twice for ``JOBS_BENCH_SECONDS`` (default 20):
  paced, each wrk thread offering its share of a fixed rate (``JOBS_BENCH_RATE`` scans/s;
  by default half the rate measured at saturation before the exports: a line's stations scan
  at their pace, and below capacity a scan's latency is its own work, not a queue), and
  saturated (16 connections sending as fast as they are answered: the latency is mostly
  queueing, so any CPU the exports take shows in it). ``EXPORTS_AT_ONCE`` is the app's own
  default unless ``JOBS_BENCH_AT_ONCE`` sets it (e.g. 5 to run all five together).
  Printed for each phase: p50/p99 and the ratio against the mean of before and after (target
  at most 1.2), offered and achieved rates, how many exports ran and their rows/s, the
  machine's load average, idle and I/O-wait shares and context switches, the CPU time of
  gunicorn, of the job workers and of the database sessions serving scans and exports, and
  the latency of a durable commit (one small INSERT committed 20 times a second beside it),
  how often and how long the running exports paused for the line (``EXPORT_LINE_SHARE``),
  and the statements the database's sessions were seen running most (sampled).
"""

import collections
import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from shopfloor.jobs.models import Job
from shopfloor.scanning.services import api_token_issue
from tests.jobs.support import finished, wait_for
from tests.stations.scan_support import part_with_procedure
from tests.support.servers import Gunicorn, JobWorker

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="gunicorn and workers share PostgreSQL"
    ),
    pytest.mark.skipif(not shutil.which("wrk"), reason="wrk is not installed"),
    pytest.mark.django_db(transaction=True),
]

UNITS = int(os.environ.get("JOBS_BENCH_UNITS", "1000000"))
SECONDS = int(os.environ.get("JOBS_BENCH_SECONDS", "20"))
EXPORTS = int(os.environ.get("JOBS_BENCH_EXPORTS", "5"))
RATE = float(os.environ.get("JOBS_BENCH_RATE", "0"))
AT_ONCE = os.environ.get("JOBS_BENCH_AT_ONCE")
THROUGHPUT = os.environ.get("JOBS_BENCH_THROUGHPUT", "1") != "0"
NICE = int(os.environ.get("JOBS_BENCH_NICE", "19"))
WORKER_APP_NAME = "jobs-bench-worker"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

SCAN_SCRIPT = """
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *now);
]]
local now_spec = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, now_spec)  -- CLOCK_MONOTONIC
  return tonumber(now_spec.tv_sec) * 1000 + tonumber(now_spec.tv_nsec) / 1e6
end

local counter = 0
local thread_id = 0
local threads = {}
local interval = 0
local next_at = nil
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  thread_id = id
  prefix = args[1]
  -- args[2]: scans/s this thread offers (0: as fast as answered)
  local rate = tonumber(args[2])
  if rate > 0 then interval = 1000 / rate end
end
request = function()
  counter = counter + 1
  local body = string.format(
    '{"usid": "%s-%d-%d", "stage": "smd", "part_no": "SCAN_Part"}', prefix, thread_id, counter)
  return wrk.format("POST", "/api/v1/scans", nil, body)
end
-- Paced: the thread's requests are spaced on a fixed schedule; a connection whose answer came
-- waits for the next free slot (a late answer does not push the schedule back).
delay = function()
  if interval == 0 then return 0 end
  local now = now_ms()
  if next_at == nil or next_at < now then next_at = now end
  local wait = next_at - now
  next_at = next_at + interval
  return wait
end
done = function(summary, latency, requests)
  io.write(string.format(
    'RESULT {"p50": %f, "p99": %f, "requests": %d, "errors": %d, "non2xx": %d, "us": %d}\\n',
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout, summary.errors.status, summary.duration))
end
"""


def fill_units(part, count):
    table = part.unit_model()._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" (usid, on_hold, created_at, updated_at) '
            "SELECT 'B' || g, false, now(), now() FROM generate_series(1, %s) g",
            [count],
        )
    # Done now rather than by autovacuum in the middle of a measurement: the new rows' hint
    # bits, visibility map and statistics.
    with connection.cursor() as cursor:
        cursor.execute(f'VACUUM (FREEZE, ANALYZE) "{table}"')


def export_and_time(client, part, extension, worker):
    client.post(reverse("dashboards:export", args=[part.pk, "units", extension]))
    job = Job.objects.filter(part=part).order_by("-created_at").first()
    job = wait_for(job, finished, worker=worker, timeout=3600)
    assert job.state == "done", job.message
    seconds = (job.finished_at - job.created_at).total_seconds()
    return job, seconds


def scan_load(url, token, script, prefix, rate=0.0, seconds=SECONDS):
    """One wrk run: 2 threads, 16 connections; ``rate`` scans/s offered in all (0: as fast as
    answered). Its result: p50, p99 (ms), requests, errors, non2xx, and the rate achieved."""
    result = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c16",
            f"-d{seconds}s",
            "-s",
            str(script),
            "-H",
            f"Authorization: Bearer {token}",
            "-H",
            "Content-Type: application/json",
            url,
            "--",
            prefix,
            f"{rate / 2:.3f}",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    line = next((line for line in result.stdout.splitlines() if line.startswith("RESULT ")), None)
    assert line, result.stdout + result.stderr
    answer = json.loads(line.removeprefix("RESULT "))
    answer["offered"] = rate
    answer["rate"] = answer["requests"] / (answer["us"] / 1e6)
    return answer


def cpu_seconds(pid):
    """User + system CPU time of a process (all its threads) so far; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_counters():
    """(idle, iowait, all) jiffies of every CPU and the context switches so far."""
    counters = {}
    for line in Path("/proc/stat").read_text().splitlines():
        fields = line.split()
        if fields[0] == "cpu":
            ticks = [int(value) for value in fields[1:]]
            counters["idle"], counters["iowait"], counters["all"] = ticks[3], ticks[4], sum(ticks)
        elif fields[0] == "ctxt":
            counters["ctxt"] = int(fields[1])
    return counters


class CommitProbe:
    """A small INSERT committed durably 20 times a second on a connection of its own; the
    latency of each commit (the WAL flush the scans' commits wait for too)."""

    def __init__(self, database_url):
        self.conn = psycopg.connect(database_url.replace("postgres://", "postgresql://"))
        self.conn.autocommit = True
        self.conn.execute("CREATE TABLE IF NOT EXISTS jobs_bench_probe (at timestamptz)")
        self.times = []
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            started = time.perf_counter()
            self.conn.execute("INSERT INTO jobs_bench_probe VALUES (now())")
            self.times.append((time.perf_counter() - started) * 1000)
            time.sleep(max(0.0, 0.05 - (time.perf_counter() - started)))

    def take(self):
        times, self.times = self.times, []
        return times

    def stop(self):
        self.running = False
        self.thread.join(timeout=10)
        self.conn.close()


def database_sessions():
    """The database's sessions: {pid: (application name, niceness)}."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, application_name FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        rows = cursor.fetchall()
    sessions = {}
    for pid, name in rows:
        try:
            sessions[pid] = (name, os.getpriority(os.PRIO_PROCESS, pid))
        except OSError:
            continue
    return sessions


def scan_path_blocks(exported_table):
    """(read from outside, found in) PostgreSQL's shared buffers so far, by every table and
    index of the database but the exported part's unit table: the scans' side."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(sum(heap_blks_read + COALESCE(idx_blks_read, 0)), 0), "
            "COALESCE(sum(heap_blks_hit + COALESCE(idx_blks_hit, 0)), 0) "
            "FROM pg_statio_user_tables WHERE relname <> %s",
            [exported_table],
        )
        read, hit = cursor.fetchone()
    return int(read), int(hit)


class ActivitySampler:
    """What the database's sessions were busy with, sampled 4 times a second: how often each
    statement (its first words) was seen running, and on what it waited (None: on the CPU)."""

    def __init__(self, database_url):
        self.conn = psycopg.connect(database_url.replace("postgres://", "postgresql://"))
        self.conn.autocommit = True
        self.seen = collections.Counter()
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            for row in self.conn.execute(
                "SELECT wait_event, left(regexp_replace(query, '\\s+', ' ', 'g'), 70) "
                "FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND state = 'active' "
                "AND datname = current_database()"
            ):
                self.seen[row] += 1
            time.sleep(0.25)

    def stop(self):
        self.running = False
        self.thread.join(timeout=10)
        self.conn.close()
        return self.seen.most_common(3)


class Phase:
    """What the machine, the servers and the database did from ``start`` to ``stop``."""

    def __init__(self, server, workers, probe, exported_table, database_url):
        self.server, self.workers, self.probe = server, workers, probe
        self.exported_table, self.database_url = exported_table, database_url

    def _processes(self):
        groups = {"gunicorn": self.server.worker_pids(), "job workers": [], "db scans": []}
        groups["job workers"] = [worker.process.pid for worker in self.workers]
        groups["db exports"] = []
        for pid, (name, _nice) in database_sessions().items():
            groups["db exports" if name == WORKER_APP_NAME else "db scans"].append(pid)
        return groups

    def start(self):
        self.activity = ActivitySampler(self.database_url)
        self.probe.take()
        self.groups = self._processes()
        self.cpu = {pid: cpu_seconds(pid) for pids in self.groups.values() for pid in pids}
        self.machine = machine_counters()
        self.blocks = scan_path_blocks(self.exported_table)
        self.rows = dict(Job.objects.values_list("pk", "rows_done"))
        self.started = time.monotonic()

    def stop(self, scans):
        seconds = time.monotonic() - self.started
        machine = machine_counters()
        groups = self._processes()  # sessions that came during the phase count from 0
        cpu = {
            name: sum(cpu_seconds(pid) - self.cpu.get(pid, 0.0) for pid in pids) / seconds
            for name, pids in groups.items()
        }
        ticks = machine["all"] - self.machine["all"]
        done = {  # exports that advanced in the phase (one may have finished in it)
            pk: rows - self.rows.get(pk, 0)
            for pk, rows in Job.objects.values_list("pk", "rows_done")
            if rows > self.rows.get(pk, 0)
        }
        commits = sorted(self.probe.take())
        read, hit = scan_path_blocks(self.exported_table)
        read, hit = read - self.blocks[0], hit - self.blocks[1]
        niceness = sorted(
            {nice for name, nice in database_sessions().values() if name == WORKER_APP_NAME}
        )
        requests = sum(result["requests"] for result in scans)
        busiest = self.activity.stop()
        return {
            "busiest": busiest,
            "seconds": seconds,
            "load": os.getloadavg()[0],
            "idle": (machine["idle"] - self.machine["idle"]) / ticks,
            "iowait": (machine["iowait"] - self.machine["iowait"]) / ticks,
            "ctxt": (machine["ctxt"] - self.machine["ctxt"]) / seconds,
            "cpu": cpu,
            "gunicorn_ms_per_scan": cpu["gunicorn"] * seconds * 1000 / max(requests, 1),
            "db_ms_per_scan": cpu["db scans"] * seconds * 1000 / max(requests, 1),
            "exports_running": len(done),
            "export_rows_per_s": sum(done.values()) / seconds,
            "commit_p50": percentile(commits, 50),
            "commit_p99": percentile(commits, 99),
            "export_niceness": niceness,
            "blocks_missed": read / max(read + hit, 1),
            "blocks_read_per_scan": read / max(requests, 1),
        }


def percentile(values, share):
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(len(values) * share / 100))]


def test_jobs_benchmark(shared_database, tmp_path, settings, make_user):
    settings.EXPORTS_PER_USER = EXPORTS
    if AT_ONCE:
        settings.EXPORTS_AT_ONCE = int(AT_ONCE)
    at_once = settings.EXPORTS_AT_ONCE
    engineer = make_user("Engineer")
    supervisor = make_user("Supervisor")
    part = part_with_procedure(engineer, part_no="BIG_Part")
    part_with_procedure(engineer, part_no="SCAN_Part")
    Job.objects.all().delete()  # the parts' first counts: not what is measured
    started = time.perf_counter()
    fill_units(part, UNITS)
    print(
        f"\n{UNITS:,} units in {time.perf_counter() - started:.0f} s "
        f"(load average {load()}, {os.cpu_count()} cores)"
    )
    client = Client()
    client.force_login(supervisor)

    if THROUGHPUT:
        worker = JobWorker(database_url=shared_database, log_dir=tmp_path, queues="exports")
        try:
            for extension in ("csv", "xlsx"):
                job, seconds = export_and_time(client, part, extension, worker)
                print(
                    f"units {extension.upper()}: {job.rows_done:,} rows, "
                    f"{job.file_size / 1e6:.0f} MB in {seconds:.1f} s "
                    f"({job.rows_done / seconds:,.0f} rows/s) from the click to the file "
                    f"offered, one export alone (load average {load()})"
                )
        finally:
            worker.stop()

    _token, secret = api_token_issue(name="bench-station")
    script = tmp_path / "scan.lua"
    script.write_text(SCAN_SCRIPT)
    # Connections kept for the whole run: each session's CPU time is read from its process.
    server = Gunicorn(
        database_url=shared_database,
        log_dir=tmp_path,
        workers=3,
        env={"DATABASE_CONN_MAX_AGE": "3600"},
    )
    probe = CommitProbe(shared_database)
    workers = []
    phases = {}
    try:
        scan_load(server.url, secret, script, "WARM", seconds=5)
        saturated = scan_load(server.url, secret, script, "CAPACITY", seconds=10)
        rate = RATE or round(saturated["rate"] / 2)
        print(
            f"scan capacity before the exports: {saturated['rate']:.0f} scans/s at saturation; "
            f"paced runs offer {rate:.0f} scans/s"
        )

        def phase(name, prefix):
            measured = Phase(
                server, workers, probe, part.unit_model()._meta.db_table, shared_database
            )
            measured.start()
            paced = scan_load(server.url, secret, script, f"{prefix}P", rate=rate)
            full = scan_load(server.url, secret, script, f"{prefix}S")
            phases[name] = (paced, full, measured.stop([paced, full]))

        phase("before", "Q")
        workers = [
            JobWorker(
                database_url=shared_database,
                log_dir=tmp_path,
                queues="exports",
                name=f"export-{n}",
                nice=NICE,
                env={"PGAPPNAME": WORKER_APP_NAME},
            )
            for n in range(EXPORTS)
        ]
        for _n in range(EXPORTS):
            client.post(reverse("dashboards:export", args=[part.pk, "units", "csv"]))
        running_at_once = min(EXPORTS, at_once)
        deadline = time.monotonic() + 120
        while Job.objects.filter(state="running", rows_done__gt=0).count() < running_at_once:
            assert time.monotonic() < deadline, "the exports did not start"
            time.sleep(0.2)
        queued = Job.objects.filter(state__in=("waiting", "queued")).count()
        print(
            f"{EXPORTS} exports of {UNITS:,} units asked for at once (EXPORTS_AT_ONCE "
            f"{at_once}): {running_at_once} running, {queued} waiting their turn"
        )
        phase("during", "B")
        paused = Job.objects.filter(part=part, state="running").values_list(
            "rows_done", "pauses", "paused_seconds"
        )
        print(
            f"the running exports after the phase with them (EXPORT_LINE_SHARE "
            f"{settings.EXPORT_LINE_SHARE}): "
            + "; ".join(
                f"{rows:,} rows done, paused for the line {pauses} times, {seconds:.0f} s"
                for rows, pauses, seconds in paused
            )
        )
        for job_worker in workers:
            job_worker.kill()  # the exports end here; the machine's other load goes on
        time.sleep(2)  # their database sessions notice and end
        phase("after", "A")
    finally:
        probe.stop()
        for job_worker in workers:
            job_worker.stop()
        server.stop()
    report(phases, rate)


def report(phases, rate):
    for name, (paced, full, machine) in phases.items():
        cpu = ", ".join(f"{group} {share:.2f}" for group, share in machine["cpu"].items())
        print(
            f"{name}: load average {machine['load']:.1f}, idle {machine['idle']:.0%}, "
            f"I/O wait {machine['iowait']:.0%}, {machine['ctxt']:,.0f} context switches/s; "
            f"cores busy: {cpu}; per scan gunicorn {machine['gunicorn_ms_per_scan']:.2f} ms, "
            f"its database session {machine['db_ms_per_scan']:.2f} ms of CPU; "
            f"durable commit p50 {machine['commit_p50']:.1f} ms, p99 "
            f"{machine['commit_p99']:.1f} ms; exports that ran {machine['exports_running']} "
            f"({machine['export_rows_per_s']:,.0f} rows/s in all; their database sessions at "
            f"nice {machine['export_niceness']}); the scans' tables and indexes missed "
            f"PostgreSQL's shared buffers for {machine['blocks_missed']:.2%} of their blocks "
            f"({machine['blocks_read_per_scan']:.2f} blocks read a scan)"
        )
        print(
            "  the database's sessions busiest with (times seen running in 4 samples a second; "
            "waiting on, None: the CPU): "
            + "; ".join(
                f"{seen} {statement!r} ({wait})" for (wait, statement), seen in machine["busiest"]
            )
        )
        for label, result in (("paced", paced), ("saturated", full)):
            offered = f"offered {result['offered']:.0f}/s, " if result["offered"] else ""
            print(
                f"  scans {label}: {offered}achieved {result['rate']:.0f}/s, "
                f"p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms "
                f"({result['errors']} errors, {result['non2xx']} not 2xx)"
            )
    for index, label in ((0, f"paced at {rate:.0f}/s"), (1, "saturated")):
        before, during, after = (phases[name][index] for name in ("before", "during", "after"))
        p50 = during["p50"] / ((before["p50"] + after["p50"]) / 2)
        p99 = during["p99"] / ((before["p99"] + after["p99"]) / 2)
        print(
            f"ratio with exports / without (mean of before and after), {label}: "
            f"p50 {p50:.2f}, p99 {p99:.2f} (target at most 1.2)"
        )
    for paced, full, _machine in phases.values():
        assert paced["non2xx"] == 0 and full["non2xx"] == 0


def load():
    """The machine's load average over the last minute, as the figures were taken."""
    return f"{os.getloadavg()[0]:.1f}"
