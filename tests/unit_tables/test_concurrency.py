"""Two engineers saving the same procedure at once: one wins, the other is told who and when."""

import threading

import pytest
from django.db import connection, connections, transaction

from parts.unit_tables import UnitTableBusy
from procedures.exceptions import ProcedureConflict
from procedures.models import PartProcedureDetail
from procedures.services import procedure_apply
from tests.unit_tables.support import SMD_QC, columns_of, config, stage

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs concurrent connections to one database: the SQLite test database is an "
    "in-memory one; on SQLite the write lock (BEGIN IMMEDIATE) serialises saves",
)


def in_threads(*calls):
    """Run each call in its own thread (own connection), started together; return outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as error:  # the outcome under test
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.django_db
def test_saving_over_a_newer_version_is_refused_naming_who_changed_it(part, make_user):
    alice = make_user("Engineer", full_name="Alice Winner")
    bob = make_user("Engineer", full_name="Bob Later")
    procedure_apply(part=part, config=SMD_QC, user=alice)

    procedure_apply(
        part=part,
        config=config(stage("smd"), stage("qc"), stage("a")),
        user=alice,
        expected_version=1,
    )
    with pytest.raises(ProcedureConflict) as conflict:
        procedure_apply(
            part=part, config=config(stage("smd"), stage("b")), user=bob, expected_version=1
        )

    assert conflict.value.changed_by == alice
    assert "was changed by Alice Winner at " in str(conflict.value)
    assert "nothing of your edit was saved" in str(conflict.value)
    assert "is_b" not in columns_of(f"parts_unit_{part.pk}")
    assert PartProcedureDetail.objects.get().version == 2


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_engineers_saving_at_the_same_moment_one_wins_and_the_other_is_told(part, make_user):
    alice = make_user("Engineer", full_name="Alice")
    bob = make_user("Engineer", full_name="Bob")
    procedure_apply(part=part, config=SMD_QC, user=alice)

    outcomes = in_threads(
        lambda: procedure_apply(
            part=part,
            config=config(stage("smd"), stage("qc"), stage("alice_stage")),
            user=alice,
            expected_version=1,
        ),
        lambda: procedure_apply(
            part=part,
            config=config(stage("smd"), stage("qc"), stage("bob_stage")),
            user=bob,
            expected_version=1,
        ),
    )

    conflicts = [o for o in outcomes if isinstance(o, ProcedureConflict)]
    saved = [o for o in outcomes if isinstance(o, PartProcedureDetail)]
    assert len(conflicts) == 1 and len(saved) == 1, outcomes
    winner = saved[0].updated_by
    assert conflicts[0].changed_by == winner
    loser_key = "bob_stage" if winner == alice else "alice_stage"
    winner_key = "alice_stage" if winner == alice else "bob_stage"
    columns = columns_of(f"parts_unit_{part.pk}")
    assert f"is_{winner_key}" in columns
    assert f"is_{loser_key}" not in columns
    assert PartProcedureDetail.objects.get().version == 2


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_schema_change_waits_for_scans_only_briefly_then_asks_to_retry(part, engineer, settings):
    settings.UNIT_TABLE_LOCK_TIMEOUT = "200ms"
    procedure_apply(part=part, config=SMD_QC, user=engineer)
    part.unit_model().objects.create(usid="U1")
    scanning, finish_scan = threading.Event(), threading.Event()

    def long_scan():
        try:
            with transaction.atomic():
                part.unit_model().objects.filter(usid="U1").update(is_smd=True)
                scanning.set()
                finish_scan.wait(timeout=30)
        finally:
            connections.close_all()

    scan = threading.Thread(target=long_scan)
    scan.start()
    try:
        assert scanning.wait(timeout=10)
        with pytest.raises(UnitTableBusy, match="try again"):
            procedure_apply(
                part=part, config=config(stage("smd"), stage("qc"), stage("testing")), user=engineer
            )
    finally:
        finish_scan.set()
        scan.join(timeout=30)

    assert "is_testing" not in columns_of(f"parts_unit_{part.pk}")
    assert PartProcedureDetail.objects.get().version == 1
    assert part.unit_model().objects.get().is_smd is True  # the scan went through
    procedure_apply(
        part=part, config=config(stage("smd"), stage("qc"), stage("testing")), user=engineer
    )
    assert "is_testing" in columns_of(f"parts_unit_{part.pk}")
