"""The scan's statements run prepared on PostgreSQL (``shopfloor.prepared_statements``): planned
once per connection, and every scan still recorded when the part's unit table changes under a
prepared statement, when the connection is replaced, and after a refused statement."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from procedures.services import procedure_apply
from shopfloor import prepared_statements
from shopfloor.prepared_statements import prepared_cursor
from shopfloor.scanning.sql import receipt_write, registration_and_part_rows
from shopfloor.stations.models import ScanEvent
from tests.stations.scan_support import PROCEDURE, part_with_procedure, stage, unit_of

# Committed: a procedure change made on another connection sees the units.
pytestmark = pytest.mark.django_db(transaction=True)
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="statements are prepared on PostgreSQL only"
)
RECORD = 'WITH unit AS (UPDATE "parts_unit_'
REGISTRATION = 'SELECT r."usid", p."id"'


@pytest.fixture(autouse=True)
def plans_kept(request, monkeypatch):
    """A statement keeps its text through a test (its plan is not made again as it runs 10
    times or a minute turns), but in the test of that."""
    if "plans_made_again" not in request.keywords:
        monkeypatch.setattr(prepared_statements, "plan_mark", lambda sql: sql)


@pytest.fixture
def part(engineer):
    return part_with_procedure(engineer)


@pytest.fixture
def scans(api, device_token, part):
    """Post scans to the API; each must be recorded."""

    def post(usid, stage_key, **extra):
        body = {"usid": usid, "stage": stage_key, **extra}
        answer = api.post(body, token=device_token)
        assert answer.status_code == 201, answer.json()
        return answer.json()

    return post


def _prepared():
    """{statement: times run from its prepared plan} of this connection, on PostgreSQL."""
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        return dict(cursor.fetchall())


def _records_prepared():
    return {sql: runs for sql, runs in _prepared().items() if sql.startswith(RECORD)}


def _registered_and_at_qc(scans, part, *usids):
    """Register ``usids``; the first three are scanned at QC, which leaves the next stage's
    record statement on the part guessed prepared on this connection (the first scan reads the
    part; psycopg prepares a statement at its second run)."""
    for usid in usids:
        scans(usid, "smd", part_no=part.part_no)
    for usid in usids[:3]:
        scans(usid, "qc")
    if connection.vendor == "postgresql":
        assert _records_prepared(), [sql[:80] for sql in _prepared()]


def _elsewhere(change):
    """Run ``change`` on another connection (another thread), as another process would: this
    connection's prepared statements stay in place. On SQLite, here."""
    if connection.vendor != "postgresql":
        change()
        return
    failures = []

    def run():
        try:
            change()
        except Exception as error:  # handed to the test
            failures.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert not failures, failures


@postgresql_only
def test_the_record_statement_is_planned_once_then_run_from_its_plan(scans, part):
    _registered_and_at_qc(scans, part, "U0", "U1", "U2", "U3", "U4")
    [(statement, runs)] = _records_prepared().items()

    scans("U3", "qc")
    scans("U4", "qc")

    assert _records_prepared() == {statement: runs + 2}
    assert unit_of(part, "U4")["is_qc"]


@postgresql_only
def test_the_scan_screens_read_of_session_person_and_station_is_prepared(
    client_for, operator, make_station, part
):
    station = make_station("SMD-1", "smd", parts=[part])
    client = client_for(operator)
    for usid in ("U1", "U2", "U3"):
        answer = client.post(f"/stations/{station.pk}/scan/", {"code": usid})
        assert answer.status_code == 200

    reads = [sql for sql in _prepared() if '"session_data"' in sql and '"stations_station"' in sql]
    assert len(reads) == 1, list(_prepared())
    assert ScanEvent.objects.filter(station=station).count() == 3


def test_a_scan_is_recorded_after_the_procedure_added_a_stage(scans, part, engineer):
    _registered_and_at_qc(scans, part, "U0", "U1", "U2", "U3")
    with_testing = {
        **PROCEDURE,
        "stages": [*PROCEDURE["stages"][:3], stage("testing"), PROCEDURE["stages"][3]],
    }

    _elsewhere(lambda: procedure_apply(part=part, config=with_testing, user=engineer))

    assert scans("U3", "qc")["status"] == "recorded"
    assert scans("U0", "testing")["status"] == "recorded"
    assert unit_of(part, "U3")["is_qc"] and unit_of(part, "U0")["is_testing"]


def test_a_scan_is_recorded_after_the_procedure_retired_a_stage_and_its_column_was_dropped(
    scans, part, engineer
):
    _registered_and_at_qc(scans, part, "U0", "U1", "U2", "U3")
    without_leaded = {
        **PROCEDURE,
        "stages": [s for s in PROCEDURE["stages"] if s["key"] != "leaded"],
    }

    def retire_and_drop():
        from procedures.services import procedure_drop_retired_column

        procedure_apply(part=part, config=without_leaded, user=engineer)
        for column in ("is_leaded", "leaded_at", "leaded_by_id"):
            procedure_drop_retired_column(
                part=part, column=column, confirmation=column, user=engineer
            )

    _elsewhere(retire_and_drop)

    assert scans("U3", "qc")["status"] == "recorded"
    assert scans("U0", "dispatch")["status"] == "recorded"
    assert unit_of(part, "U3")["is_qc"] and "is_leaded" not in unit_of(part, "U3")


def test_a_scan_is_recorded_on_a_connection_closed_and_opened_again(scans, part):
    _registered_and_at_qc(scans, part, "U0", "U1", "U2", "U3", "U4")

    connection.close()  # CONN_MAX_AGE reached, a failed health check, PostgreSQL restarted

    assert _prepared() == {}
    assert scans("U3", "qc")["status"] == "recorded"
    assert scans("U4", "qc")["status"] == "recorded"
    assert unit_of(part, "U4")["is_qc"]


def test_a_scan_is_recorded_after_a_statement_refused_in_a_transaction(scans, part):
    _registered_and_at_qc(scans, part, "U0", "U1", "U2", "U3", "U4")
    with pytest.raises(IntegrityError), transaction.atomic():
        receipt_write(scope="t", scan_id="twice", outcome={})
        receipt_write(scope="t", scan_id="twice", outcome={})

    with transaction.atomic():  # a caller's transaction goes on after the refusal
        with pytest.raises(IntegrityError), transaction.atomic():
            receipt_write(scope="t", scan_id="again", outcome={})
            receipt_write(scope="t", scan_id="again", outcome={})
        assert scans("U3", "qc")["status"] == "recorded"

    assert scans("U4", "qc")["status"] == "recorded"
    assert unit_of(part, "U3")["is_qc"] and unit_of(part, "U4")["is_qc"]


@postgresql_only
def test_a_connection_keeps_a_bounded_number_of_prepared_statements():
    with prepared_cursor() as cursor:
        for n in range(150):  # as many statements as unit tables of 150 parts
            for _twice in range(2):
                cursor.execute(f"SELECT %s + {n}", [1])
                assert cursor.fetchone() == (1 + n,)

    # psycopg's prepared_max (100); the oldest is deallocated when the next new statement comes.
    assert 90 <= len(_prepared()) <= 101


@postgresql_only
@pytest.mark.plans_made_again
def test_a_statement_planned_while_its_table_was_nearly_empty_is_planned_again_as_it_grows(
    part, monkeypatch
):
    """A plan made for a nearly empty USID index reads it whole: run from that plan, a scan's
    lookup of its unit and part would read every registration as the index grows."""
    monkeypatch.setattr(prepared_statements, "_runs", {})
    with connection.cursor() as cursor:
        # The plan PostgreSQL keeps for a prepared statement, from its first run.
        cursor.execute("SET plan_cache_mode = force_generic_plan")
    registrations = (
        'INSERT INTO "stations_unitregistration" (usid, usid_key, part_id, created_at) '
        "SELECT 'U-' || g, 'u-' || g, %s, now() FROM generate_series(%s, %s) g"
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(registrations, [part.pk, 1, 5])  # a new line's first units
        for _ in range(3):  # prepared at its second run, the index nearly empty
            assert registration_and_part_rows("U-0", part.part_no)[0] is None
        with connection.cursor() as cursor:
            cursor.execute(registrations, [part.pk, 6, 20000])
        for _ in range(10):
            assert registration_and_part_rows("U-17", part.part_no)[0][0] == "U-17"
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM pg_prepared_statements WHERE statement LIKE %s "
                "AND statement LIKE %s ORDER BY prepare_time DESC LIMIT 1",
                [REGISTRATION + "%", "%UNION ALL%"],
            )
            (name,) = cursor.fetchone()
            cursor.execute(f"EXPLAIN EXECUTE {name}('u-17', 'x', %s)", [part.part_no])
            plan = "\n".join(row[0] for row in cursor.fetchall())
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET plan_cache_mode")
    assert "Seq Scan on stations_unitregistration" not in plan, plan
