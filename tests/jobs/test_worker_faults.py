"""A real job worker killed (SIGKILL) in the middle of an export: no half-written file is ever
offered, the job is run again by another worker or failed with a message, and what the dead
worker had written is removed."""

import csv
import io

import pytest
from django.urls import reverse

from shopfloor.jobs import files
from shopfloor.jobs.models import Job
from tests.jobs.support import add_units, finished, wait_for
from tests.stations.scan_support import part_with_procedure

pytestmark = pytest.mark.django_db(transaction=True)

UNITS = 15_000
# Quick to notice a dead worker, so the test does not wait a minute.
FAST = {"JOB_HEARTBEAT_SECONDS": "1", "JOB_STALE_SECONDS": "3", "JOB_HOUSEKEEPING_SECONDS": "1"}


def killed_mid_export(job_worker, client, part):
    """Start a units export, SIGKILL its worker once rows are written: the job then."""
    worker = job_worker(env=FAST)
    client.post(reverse("dashboards:export", args=[part.pk, "units", "xlsx"]))
    job = wait_for(Job.objects.get(kind="export"), lambda job: job.rows_done > 0, worker=worker)
    assert files.work_ids() == [str(job.pk)]  # it was writing
    worker.kill()
    return Job.objects.get(pk=job.pk)


def test_an_export_whose_worker_is_killed_is_run_again_and_completes(
    shared_database, job_worker, client_for, supervisor, engineer
):
    part = part_with_procedure(engineer)
    add_units(part, UNITS)
    client = client_for(supervisor)

    dead = killed_mid_export(job_worker, client, part)
    offered_after_the_kill = client.get(reverse("jobs:download", args=[dead.pk])).status_code
    other = job_worker(env=FAST)
    job = wait_for(dead, finished, worker=other, timeout=180)
    download = client.get(reverse("jobs:download", args=[job.pk]))

    assert dead.state == "running" and 0 < dead.rows_done < UNITS
    assert offered_after_the_kill == 404
    assert job.state == "done", job.message
    assert job.attempts == 2 and "run again" in job.message
    content = b"".join(download.streaming_content)
    assert content.startswith(b"PK")  # a whole Excel file: its zip directory is at the end
    assert files.work_ids() == []


def test_an_export_whose_worker_dies_too_often_fails_with_a_message_and_leaves_nothing(
    shared_database, job_worker, client_for, supervisor, engineer
):
    part = part_with_procedure(engineer)
    add_units(part, UNITS)
    client = client_for(supervisor)
    FAST["JOB_MAX_ATTEMPTS"] = "1"
    try:
        dead = killed_mid_export(job_worker, client, part)
        other = job_worker(env=FAST)
        job = wait_for(dead, finished, worker=other)
    finally:
        del FAST["JOB_MAX_ATTEMPTS"]
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()

    assert job.state == "failed"
    assert "The worker running it stopped after" in job.message
    assert "nothing was kept" in page
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404
    assert files.work_ids() == [] and files.finished_ids() == []


def test_a_worker_stopped_gracefully_finishes_its_export_first(
    shared_database, job_worker, client_for, supervisor, engineer
):
    part = part_with_procedure(engineer)
    add_units(part, 5_000)
    client = client_for(supervisor)
    worker = job_worker(env=FAST)

    client.post(reverse("dashboards:export", args=[part.pk, "units", "csv"]))
    job = Job.objects.get(kind="export")
    job = wait_for(job, lambda job: job.state == "running", worker=worker)
    worker.stop()  # SIGTERM, as systemd or make run stop it
    job = Job.objects.get(pk=job.pk)
    download = client.get(reverse("jobs:download", args=[job.pk]))

    assert job.state == "done", job.message
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 5_001
