"""Unit tables benchmark (run on demand: `make bench`). Prints figures measured in one run.

Each step runs in a fresh process against its own databases (a SQLite file and a scratch
PostgreSQL database), so start-up costs are real start-ups.
"""

import json
import os
import statistics
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

WORKER = Path(__file__).with_name("unit_tables_worker.py")
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgresql://root@127.0.0.1:5432")


def run(database_url, *step):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_TEST_NAME"}
    }
    env.update({"DATABASE_URL": database_url, "DEBUG": "true"})
    result = subprocess.run(
        [sys.executable, str(WORKER), *step], env=env, capture_output=True, text=True, timeout=1800
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def databases(tmp_path):
    """Scratch databases on SQLite and PostgreSQL: 10 parts, 5,000 parts, 1,000,000 units."""
    names = {
        size: f"bench_units_{size}_{uuid.uuid4().hex[:8]}" for size in ("small", "large", "million")
    }
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        for name in names.values():
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {
            "sqlite": {size: f"sqlite:///{tmp_path / size}.sqlite3" for size in names},
            "postgresql": {size: f"{POSTGRES}/{name}" for size, name in names.items()},
        }
    finally:
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
            for name in names.values():
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def ms(seconds):
    return f"{seconds * 1000:8.2f} ms"


class Report(list):
    """Figures printed as soon as they are measured, and all together at the end."""

    def append(self, line):
        print(line, flush=True)
        super().append(line)


def test_unit_tables_benchmark(databases):
    lines = Report(["", "Unit tables benchmark"])
    print("\nUnit tables benchmark (figures as measured)", flush=True)
    for vendor, urls in databases.items():
        for size, count in (("small", 10), ("large", 5000)):
            run(urls[size], "migrate")
            made = run(urls[size], "parts", str(count))
            lines.append(
                f"[{vendor}] {count} parts with procedures made in {made['seconds']:.1f} s"
            )
        build = run(urls["small"], "build", "300")
        lines.append(
            f"[{vendor}] model build per part ({build['columns']} columns): "
            f"{ms(build['build_median'])}; cached unit_model() (version check, 1 query): "
            f"{ms(build['cached_lookup'])}"
        )
        first = {
            size: [run(urls[size], "first_request") for _ in range(3)]
            for size in ("small", "large")
        }
        medians = {
            size: {
                key: statistics.median(sample[key] for sample in samples)
                for key in ("setup", "first_request", "second_request")
            }
            for size, samples in first.items()
        }
        small, large = medians["small"], medians["large"]
        lines.append(
            f"[{vendor}] start-up (django.setup): 10 parts {ms(small['setup'])}, "
            f"5,000 parts {ms(large['setup'])}, ratio {large['setup'] / small['setup']:.2f}"
        )
        lines.append(
            f"[{vendor}] first request after start-up: 10 parts {ms(small['first_request'])}, "
            f"5,000 parts {ms(large['first_request'])}, ratio "
            f"{large['first_request'] / small['first_request']:.2f} "
            f"(second request: {ms(small['second_request'])} / {ms(large['second_request'])})"
        )
        run(urls["million"], "migrate")
        million = run(urls["million"], "million")
        lines.append(
            f"[{vendor}] {million['units']:,} units inserted in {million['insert_seconds']:.1f} s; "
            f"add a stage: {ms(million['add_stage'])}; another: {ms(million['add_second_stage'])}; "
            f"retire two stages: {ms(million['retire_two_stages'])}"
        )
        regen = run(urls["small"], "regenerations", "10000")
        lines.append(
            f"[{vendor}] 10,000 regenerations in {regen['seconds']:.1f} s; RSS: start "
            f"{regen['rss_start_kib'] / 1024:.1f} MiB, after 1,000 "
            f"{regen['rss_after_1000_kib'] / 1024:.1f} MiB, after 10,000 "
            f"{regen['rss_after_10000_kib'] / 1024:.1f} MiB"
        )
        assert million["units"] == 1_000_000
    print("\n".join(["", "Summary", *lines[2:]]))
