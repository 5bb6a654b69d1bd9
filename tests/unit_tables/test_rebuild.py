"""Rebuilding a unit table gives back its dropped columns' slots and keeps everything else."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from parts.unit_tables.capacity import dropped_column_count
from parts.unit_tables.rebuild import unit_table_rebuild
from tests.stations.scan_support import part_with_procedure, scan, unit_of

pytestmark = pytest.mark.django_db(transaction=True)
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="only PostgreSQL keeps dropped columns' slots"
)


def index_names(table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table])
        return sorted(row[0] for row in cursor.fetchall())


def drop_many_columns(table, count):
    names = [f"gone_{n}" for n in range(count)]
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} " + ", ".join(f"ADD COLUMN {n} int" for n in names))
        cursor.execute(f"ALTER TABLE {table} " + ", ".join(f"DROP COLUMN {n}" for n in names))


@pytest.fixture
def line(engineer, defect_reasons):
    part = part_with_procedure(engineer)
    for n in range(25):
        scan(f"U{n}", "smd", part_no=part.part_no)
    scan("U0", "qc", result="fail", defect="dry_joint")
    return part


@postgresql_only
def test_a_rebuild_frees_the_dropped_slots_and_keeps_units_ids_indexes_and_scanning(line):
    table = f"parts_unit_{line.pk}"
    drop_many_columns(table, 300)
    before = {n: unit_of(line, f"U{n}") for n in range(25)}
    indexes = index_names(table)
    reports = []

    freed = unit_table_rebuild(line, progress=lambda copied, total: reports.append((copied, total)))

    assert freed == 300 and dropped_column_count(line.pk) == 0
    assert reports[-1] == (25, 25)
    assert {n: unit_of(line, f"U{n}") for n in range(25)} == before
    assert index_names(table) == indexes
    assert scan("U99", "smd", part_no=line.part_no).status == "recorded"
    assert unit_of(line, "U99")["id"] > max(row["id"] for row in before.values())
    assert scan("U1", "smd", part_no=line.part_no).status == "already_recorded"


@postgresql_only
def test_the_command_rebuilds_and_reports_progress(line):
    drop_many_columns(f"parts_unit_{line.pk}", 10)
    out = io.StringIO()

    call_command("unit_tables", "rebuild", str(line.pk), stdout=out)

    assert "25 of 25 units copied" in out.getvalue()
    assert "10 dropped column slot(s) given back" in out.getvalue()
    assert dropped_column_count(line.pk) == 0


def test_a_rebuild_with_nothing_to_give_back_changes_nothing(line):
    reports = []

    assert unit_table_rebuild(line, progress=lambda *counts: reports.append(counts)) == 0

    assert reports and unit_of(line, "U3")["is_smd"]
