"""Job workers beside the line, run on demand on PostgreSQL:
`make bench PYTEST_ARGS="-k jobs_bench"` (``JOBS_BENCH_UNITS``, ``JOBS_BENCH_SECONDS``).

- Export throughput: a part of ``JOBS_BENCH_UNITS`` units (default 1,000,000) exported by a
  real job worker as units CSV and units Excel; time from the click to the file offered.
- Scans while exports run: the scan API through gunicorn (3 workers) driven by ``wrk`` (a C
  load generator; a Lua script registers a new unit per request) for ``JOBS_BENCH_SECONDS``
  (default 20) without exports, then while five exports of the same part run in five job
  workers (started as the deploy guide runs them, ``--nice 19``: the workers and their database
  sessions at the lowest CPU priority). p50 and p99 of
  each, and their ratio (target at most 1.2).
"""

import json
import os
import shutil
import subprocess
import time

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
EXPORTS = 5

SCAN_SCRIPT = """
local counter = 0
local thread_id = 0
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  thread_id = id
  prefix = args[1]
end
request = function()
  counter = counter + 1
  local body = string.format(
    '{"usid": "%s-%d-%d", "stage": "smd", "part_no": "SCAN_Part"}', prefix, thread_id, counter)
  return wrk.format("POST", "/api/v1/scans", nil, body)
end
done = function(summary, latency, requests)
  io.write(string.format(
    'RESULT {"p50": %f, "p99": %f, "requests": %d, "errors": %d, "non2xx": %d}\\n',
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout, summary.errors.status))
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
        cursor.execute(f'ANALYZE "{table}"')


def export_and_time(client, part, extension, worker):
    client.post(reverse("dashboards:export", args=[part.pk, "units", extension]))
    job = Job.objects.filter(part=part).order_by("-created_at").first()
    job = wait_for(job, finished, worker=worker, timeout=3600)
    assert job.state == "done", job.message
    seconds = (job.finished_at - job.created_at).total_seconds()
    return job, seconds


def scan_load(url, token, script, prefix):
    result = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c16",
            f"-d{SECONDS}s",
            "-s",
            str(script),
            "-H",
            f"Authorization: Bearer {token}",
            "-H",
            "Content-Type: application/json",
            url,
            "--",
            prefix,
        ],
        capture_output=True,
        text=True,
        timeout=SECONDS + 60,
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def test_jobs_benchmark(shared_database, tmp_path, settings, make_user):
    settings.EXPORTS_PER_USER = EXPORTS
    settings.EXPORTS_AT_ONCE = EXPORTS
    engineer = make_user("Engineer")
    supervisor = make_user("Supervisor")
    part = part_with_procedure(engineer, part_no="BIG_Part")
    part_with_procedure(engineer, part_no="SCAN_Part")
    Job.objects.all().delete()  # the parts' first counts: not what is measured
    started = time.perf_counter()
    fill_units(part, UNITS)
    print(f"\n{UNITS:,} units in {time.perf_counter() - started:.0f} s (load average {load()})")
    client = Client()
    client.force_login(supervisor)

    worker = JobWorker(database_url=shared_database, log_dir=tmp_path, queues="exports")
    try:
        for extension in ("csv", "xlsx"):
            job, seconds = export_and_time(client, part, extension, worker)
            print(
                f"units {extension.upper()}: {job.rows_done:,} rows, "
                f"{job.file_size / 1e6:.0f} MB in {seconds:.1f} s "
                f"({job.rows_done / seconds:,.0f} rows/s) from the click to the file offered "
                f"(load average {load()})"
            )
    finally:
        worker.stop()

    _token, secret = api_token_issue(name="bench-station")
    script = tmp_path / "scan.lua"
    script.write_text(SCAN_SCRIPT)
    server = Gunicorn(database_url=shared_database, log_dir=tmp_path, workers=3)
    workers = []
    try:
        scan_load(server.url, secret, script, "WARM")  # warm up
        quiet = scan_load(server.url, secret, script, "QUIET")
        quiet["load"] = load()
        workers = [
            JobWorker(
                database_url=shared_database,
                log_dir=tmp_path,
                queues="exports",
                name=f"export-{n}",
                nice=19,
            )
            for n in range(EXPORTS)
        ]
        for _n in range(EXPORTS):
            client.post(reverse("dashboards:export", args=[part.pk, "units", "csv"]))
        deadline = time.monotonic() + 120
        while Job.objects.filter(state="running", rows_done__gt=0).count() < EXPORTS:
            assert time.monotonic() < deadline, "the exports did not all start"
            time.sleep(0.2)
        busy = scan_load(server.url, secret, script, "BUSY")
        busy["load"] = load()
        still_running = Job.objects.filter(state="running").count()
        for job_worker in workers:
            job_worker.kill()  # the exports end here; the machine's other load goes on
        # The machine's own load drifts (other work runs on it): scans without exports once
        # more, after, and the ratio against the mean of before and after.
        after = scan_load(server.url, secret, script, "AFTER")
        after["load"] = load()
    finally:
        for job_worker in workers:
            job_worker.stop()
        server.stop()
    for name, result in (
        ("without exports", quiet),
        (
            f"while {EXPORTS} exports of {UNITS:,} units run "
            f"({still_running} still running at the end)",
            busy,
        ),
        ("without exports, after", after),
    ):
        print(
            f"scans {name}: {result['requests'] / SECONDS:.0f} scans/s, "
            f"p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms "
            f"({result['errors']} errors, {result['non2xx']} not 2xx; "
            f"load average {result['load']})"
        )
    p50 = (quiet["p50"] + after["p50"]) / 2
    p99 = (quiet["p99"] + after["p99"]) / 2
    print(
        f"ratio with exports / without (mean of before and after): p50 {busy['p50'] / p50:.2f}, "
        f"p99 {busy['p99'] / p99:.2f} (target at most 1.2)"
    )
    assert quiet["non2xx"] == 0 and busy["non2xx"] == 0 and after["non2xx"] == 0


def load():
    """The machine's load average over the last minute, as the figures were taken."""
    return f"{os.getloadavg()[0]:.1f}"
