"""The unit-table rebuild started from the procedure page is run by a real worker process:
the job page counts the rows copied, scans of the part are refused with
``procedure_changing`` while it runs, other parts scan as usual."""

import threading

import pytest
from django.db import connection, connections
from django.urls import reverse

from parts.unit_tables.capacity import dropped_column_count
from procedures.models import PartProcedureDetail
from shopfloor.jobs.models import Job
from tests.jobs.support import add_units, finished, wait_for
from tests.stations.scan_support import part_with_procedure, scan, unit_of
from tests.unit_tables.test_rebuild import drop_many_columns

pytestmark = pytest.mark.django_db(transaction=True)
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="only PostgreSQL keeps dropped columns' slots"
)


def changing(part):
    return PartProcedureDetail.objects.get(model_part=part).changing_since is not None


class TableHeld:
    """Another session holding a lock on ``table`` until ``release()``: the rebuild waits for
    it, so the test can look at the part while its job runs."""

    def __init__(self, table):
        self.held, self.done = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold, args=(table,))
        self.thread.start()
        assert self.held.wait(10)

    def _hold(self, table):
        try:
            with connection.cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute(f'LOCK TABLE "{table}" IN ACCESS SHARE MODE')
                self.held.set()
                self.done.wait(60)
                cursor.execute("COMMIT")
        finally:
            connections.close_all()

    def release(self):
        self.done.set()
        self.thread.join(10)


@postgresql_only
def test_a_rebuild_job_copies_the_units_refusing_scans_of_that_part_only(
    shared_database, job_worker, client_for, engineer
):
    part = part_with_procedure(engineer)
    other = part_with_procedure(engineer, part_no="OTHER_Part")
    add_units(part, 25_000)
    scan("U1", "smd", part_no=part.part_no)
    drop_many_columns(f"parts_unit_{part.pk}", 40)
    client = client_for(engineer)
    page = client.get(reverse("procedures:detail", args=[part.pk])).content.decode()
    worker = job_worker()
    held = TableHeld(f"parts_unit_{part.pk}")
    try:
        started = client.post(reverse("procedures:rebuild", args=[part.pk]))
        job = wait_for(Job.objects.get(kind="rebuild"), lambda job: changing(part), worker=worker)
        running_page = client.get(started["Location"]).content.decode()
        refused = scan("U1", "leaded")
        refused_new = scan("N1", "smd", part_no=part.part_no)
        elsewhere = scan("V1", "smd", part_no=other.part_no)
    finally:
        held.release()
    job = wait_for(job, finished, worker=worker)
    job_page = client.get(started["Location"]).content.decode()

    assert 'data-testid="rebuild-start"' in page and "holds 40 of them" in page
    assert started["Location"] == reverse("jobs:detail", args=[job.pk])
    assert 'data-state="running"' in running_page
    assert (refused.code, refused_new.code) == ("procedure_changing", "procedure_changing")
    assert refused.message == (
        "The procedure of part EICS112_Part is being changed; try again in a few seconds."
    )
    assert unit_of(part, "N1") is None
    assert elsewhere.status == "recorded"
    assert job.state == "done", worker.output()[-3000:]
    assert (job.rows_done, job.rows_total) == (25_001, 25_001)
    assert "25,001 rows. 40 dropped column slots given back." in job_page
    assert dropped_column_count(part.pk) == 0 and not changing(part)
    assert scan("U1", "leaded").status == "recorded"


@postgresql_only
def test_the_button_is_not_offered_without_dropped_slots(client_for, engineer):
    part = part_with_procedure(engineer)
    client = client_for(engineer)

    page = client.get(reverse("procedures:detail", args=[part.pk])).content.decode()
    asked = client.post(reverse("procedures:rebuild", args=[part.pk]), follow=True)

    assert 'data-testid="rebuild-start"' not in page
    assert "No dropped column slots to reclaim" in page
    assert "has no dropped column slots to give back" in asked.content.decode()
    assert not Job.objects.filter(kind="rebuild").exists()


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite's page")
def test_on_sqlite_the_page_says_there_is_nothing_to_reclaim(client_for, engineer):
    part = part_with_procedure(engineer)
    client = client_for(engineer)

    page = client.get(reverse("procedures:detail", args=[part.pk])).content.decode()
    asked = client.post(reverse("procedures:rebuild", args=[part.pk]))

    assert "SQLite gives a dropped column's slot back at once" in page
    assert 'data-testid="rebuild-start"' not in page
    assert asked.status_code == 302 and not Job.objects.filter(kind="rebuild").exists()


def test_operators_may_not_start_a_rebuild(client_for, engineer, operator):
    part = part_with_procedure(engineer)

    asked = client_for(operator).post(reverse("procedures:rebuild", args=[part.pk]))

    assert asked.status_code == 403 and not Job.objects.filter(kind="rebuild").exists()
