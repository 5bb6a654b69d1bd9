"""Exports that yield to the line, run by a real worker process: while scans are being recorded
the export pauses (``EXPORT_LINE_SHARE``), when none are it runs at full speed, and either way
its file is whole and the same. The file goes to the disk as it is written, not left in the
page cache for the kernel to write in bursts."""

import itertools
import shutil
import subprocess

import pytest
from django.urls import reverse

from shopfloor.jobs import files
from shopfloor.jobs.models import Job
from tests.dashboards.test_exports import xlsx_rows
from tests.jobs.support import add_units, finished, wait_for
from tests.stations.scan_support import part_with_procedure, scan
from tests.test_settings import run_manage

UNITS = 20_000


def export(client, part, extension="csv"):
    client.post(reverse("dashboards:export", args=[part.pk, "units", extension]))
    return Job.objects.filter(kind="export").order_by("-created_at").first()


def scanning_until(job, condition, *, part, worker, limit=4000):
    """Record scans on ``part`` one after another until ``condition(job)`` holds; the job."""
    for n in itertools.count():
        scan(f"LINE-{job.pk.hex[:6]}-{n}", "smd", part_no=part.part_no)
        job = Job.objects.get(pk=job.pk)
        if condition(job):
            return job
        assert n < limit, (
            f"{condition.__name__} never held: {job.state}, {job.rows_done} rows\n"
            + (worker.output()[-3000:])
        )


def downloaded(client, job):
    return b"".join(client.get(reverse("jobs:download", args=[job.pk])).streaming_content)


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
@pytest.mark.django_db(transaction=True)
def test_an_export_pauses_while_the_line_scans_and_runs_at_full_speed_when_it_is_quiet(
    shared_database, job_worker, client_for, supervisor, engineer, extension
):
    part = part_with_procedure(engineer)
    line = part_with_procedure(engineer, part_no="LINE_Part")
    add_units(part, UNITS)
    # A tiny share: while the line scans, the export works a hundredth of the time.
    worker = job_worker(env={"EXPORT_LINE_SHARE": "0.01"})
    client = client_for(supervisor)

    paced = export(client, part, extension)
    paused = scanning_until(paced, lambda job: job.pauses > 0, part=line, worker=worker)
    status = client.get(reverse("jobs:detail", args=[paced.pk]), headers={"HX-Request": "true"})
    paced = wait_for(paced, finished, worker=worker)  # the line is quiet now
    alone = wait_for(export(client, part, extension), finished, worker=worker)

    assert paused.state == "running" and paused.rows_done < UNITS
    assert "s so far to leave the line its speed" in status.content.decode()
    assert paced.state == "done" and paced.rows_done == UNITS, paced.message
    assert paced.pauses >= 1 and paced.paused_seconds > 0
    assert alone.state == "done" and (alone.pauses, alone.paused_seconds) == (0, 0)
    paced_file, alone_file = downloaded(client, paced), downloaded(client, alone)
    if extension == "csv":
        assert paced_file == alone_file
        assert paced_file.count(b"\n") == UNITS + 1
    else:  # the same cells (the file itself records when it was made)
        (paced_rows,) = xlsx_rows(paced_file)
        assert paced_rows == xlsx_rows(alone_file)[0]
        assert len(paced_rows) == UNITS + 1
    assert files.work_ids() == []


@pytest.mark.django_db(transaction=True)
def test_an_export_paused_for_the_line_stops_soon_after_it_is_cancelled(
    shared_database, job_worker, client_for, supervisor, engineer
):
    part = part_with_procedure(engineer)
    line = part_with_procedure(engineer, part_no="LINE_Part")
    add_units(part, UNITS)
    # So small a share that one pause would outlast the test: only cancelling ends it.
    worker = job_worker(env={"EXPORT_LINE_SHARE": "0.00001"})
    client = client_for(supervisor)

    job = export(client, part)
    paused = scanning_until(job, lambda job: job.pauses > 0, part=line, worker=worker)
    client.post(reverse("jobs:cancel", args=[job.pk]))
    # The line goes on scanning: the export is still in its pause when it learns it.
    scanning_until(job, lambda _job: files.work_ids() == [], part=line, worker=worker)
    job = Job.objects.get(pk=job.pk)

    assert paused.state == "running" and paused.rows_done < UNITS
    assert job.state == "cancelled"
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404
    assert "Traceback" not in worker.output()


@pytest.mark.parametrize("value", ["0", "-0.5", "1.5", "half"])
def test_a_share_of_the_line_out_of_range_is_refused_at_start(value):
    result = run_manage("check", DEBUG="true", EXPORT_LINE_SHARE=value)

    assert result.returncode != 0
    assert (
        f"EXPORT_LINE_SHARE must be a number more than 0 and at most 1 (e.g. 0.25), not {value!r}."
        in result.stderr
    )


@pytest.mark.skipif(not shutil.which("fincore"), reason="fincore (util-linux) is not installed")
def test_an_export_file_is_on_the_disk_as_it_is_written_and_not_kept_in_the_page_cache(tmp_path):
    path = tmp_path / "export.csv"
    piece = b"B0000001,2026-12-01 01:00:00,false\n" * 30_000  # about 1 MB
    steps = []

    with files.WrittenThrough(path, between=lambda: steps.append(1), flush_every=1 << 20) as out:
        for _n in range(8):
            out.write(piece)
    cached = subprocess.run(
        ["fincore", "--bytes", "--noheadings", "--output", "RES", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert path.read_bytes() == piece * 8
    assert int(cached.strip()) == 0
    assert len(steps) >= 8  # the work was paced between the pieces written out
