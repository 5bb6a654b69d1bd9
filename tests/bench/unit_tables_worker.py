"""Runs one unit-table benchmark step in a fresh process; prints its figures as JSON.

Usage: DATABASE_URL=... python tests/bench/unit_tables_worker.py STEP [ARG]
Steps: migrate, parts N, first_request, million, regenerations N, build N.
"""

import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopfloor.settings")
os.environ.setdefault("DEBUG", "true")
os.environ["ALLOWED_HOSTS"] = "testserver"

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries, transaction  # noqa: E402

from parts.models import ModelPart  # noqa: E402
from parts.unit_tables import cache  # noqa: E402
from parts.unit_tables.builder import build_model  # noqa: E402
from procedures.services import procedure_apply  # noqa: E402

STAGES = [
    "smd",
    "leaded",
    "prod_qc",
    "qc",
    "testing",
    "glueing",
    "cleaning",
    "spraying",
    "dispatch",
]
FIELDS = [
    {"key": "firmware", "label": "Firmware", "type": "text"},
    {"key": "runs", "label": "Runs", "type": "integer"},
    {"key": "voltage", "label": "Voltage", "type": "decimal"},
    {"key": "sealed", "label": "Sealed", "type": "boolean"},
    {"key": "colour", "label": "Colour", "type": "choice", "choices": ["red", "blue"]},
]


def procedure(stages=STAGES, extra=()):
    return {
        "version": 1,
        "stages": [
            {"key": key, "label": key.upper(), "result": "pass_fail"} for key in [*stages, *extra]
        ],
        "fields": FIELDS,
    }


def rss_kib():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def step_migrate():
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return {}


def step_parts(count):
    count = int(count)
    existing = ModelPart.objects.count()
    started = time.perf_counter()
    # Small batches: every new table holds a few locks until its transaction ends, and the
    # lock table is shared by every session of the PostgreSQL server.
    for start in range(existing, count, 10):
        with transaction.atomic():
            for number in range(start, min(start + 10, count)):
                part = ModelPart.objects.create(part_no=f"P{number:05d}", model_no="BENCH")
                procedure_apply(part=part, config=procedure(), user=None)
    return {"parts": ModelPart.objects.count(), "seconds": time.perf_counter() - started}


def step_first_request():
    from django.test import Client

    from shopfloor.accounts.models import User

    setup = time.perf_counter() - STARTED
    user = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        "bench@plant.example", "bench-password-1"
    )
    part = ModelPart.objects.order_by("-pk").first()
    cache.unit_model_for(part)  # only to create the unit below, then forget it
    part.unit_model().objects.get_or_create(usid="U1")
    cache.forget()
    client = Client()
    client.force_login(user)
    started = time.perf_counter()
    response = client.get(f"/parts/{part.pk}/units/U1")
    first = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    started = time.perf_counter()
    client.get(f"/parts/{part.pk}/units/U1")
    second = time.perf_counter() - started
    return {"setup": setup, "first_request": first, "second_request": second}


def step_million():
    part, _ = ModelPart.objects.get_or_create(part_no="MILLION", defaults={"model_no": "BENCH"})
    procedure_apply(part=part, config=procedure(STAGES[:4]), user=None)
    table = part.unit_model()._meta.db_table
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} (usid, on_hold, created_at, updated_at) "
                "SELECT 'U' || g, false, now(), now() FROM generate_series(1, 1000000) g"
            )
        else:
            cursor.execute(
                f"WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq "
                f"WHERE n < 1000000) INSERT INTO {table} (usid, on_hold, created_at, updated_at) "
                "SELECT 'U' || n, 0, datetime('now'), datetime('now') FROM seq"
            )
    insert = time.perf_counter() - started
    timings = {}
    for label, extra in [("add_stage", ["burn_in"]), ("add_second_stage", ["burn_in", "packing"])]:
        started = time.perf_counter()
        procedure_apply(part=part, config=procedure(STAGES[:4], extra), user=None)
        timings[label] = time.perf_counter() - started
    started = time.perf_counter()
    procedure_apply(part=part, config=procedure(STAGES[:4]), user=None)
    timings["retire_two_stages"] = time.perf_counter() - started
    units = part.unit_model().objects.count()
    return {"units": units, "insert_seconds": insert, **timings}


def step_regenerations(count):
    count = int(count)
    part = ModelPart.objects.order_by("pk").first()
    procedure_row = part.procedure
    gc.collect()
    figures = {"rss_start_kib": rss_kib()}
    started = time.perf_counter()
    for number in range(1, count + 1):
        reset_queries()  # as every request does: DEBUG keeps a log of queries until then
        cache.forget(part.pk)
        model = cache.unit_model_for(part, procedure_row)
        model.objects.filter(usid="none").exists()
        if number in (1000, count):
            gc.collect()
            figures[f"rss_after_{number}_kib"] = rss_kib()
    figures["seconds"] = time.perf_counter() - started
    return figures


def step_build(count):
    count = int(count)
    part = ModelPart.objects.order_by("pk").first()
    columns = part.procedure.applied_schema["columns"]
    config = part.procedure.procedure_config
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        build_model(part=part, columns=columns, config=config)
        samples.append(time.perf_counter() - started)
    cache.unit_model_for(part)
    started = time.perf_counter()
    for _ in range(count):
        cache.unit_model_for(part)
    cached = (time.perf_counter() - started) / count
    return {
        "columns": len(columns),
        "build_median": statistics.median(samples),
        "cached_lookup": cached,
    }


if __name__ == "__main__":
    name, *args = sys.argv[1:]
    print(json.dumps(globals()[f"step_{name}"](*args)))
