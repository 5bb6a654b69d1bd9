"""Exports run by a real worker process (``manage.py jobs_worker``) on the test database."""

import csv
import io

import pytest
from django.urls import reverse

from shopfloor.dashboards import exports
from shopfloor.jobs import files
from shopfloor.jobs.models import Job
from tests.jobs.support import add_units, finished, wait_for
from tests.stations.scan_support import part_with_procedure, scan

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_export_is_written_by_the_worker_and_offered_when_ready(
    shared_database, job_worker, client_for, supervisor, engineer
):
    part = part_with_procedure(engineer)
    for n in range(1, 6):
        scan(f"U{n}", "smd", part_no=part.part_no)
    worker = job_worker()
    client = client_for(supervisor)

    asked = client.post(reverse("dashboards:export", args=[part.pk, "units", "csv"]))
    job = Job.objects.get(kind="export")
    page_while_running = client.get(asked["Location"])
    job = wait_for(job, finished, worker=worker)
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    download = client.get(reverse("jobs:download", args=[job.pk]))

    assert page_while_running.status_code == 200
    assert job.state == "done", job.message
    assert (job.rows_done, job.rows_total) == (5, 5)
    assert "Download EICS112_Part-units-" in page
    content = b"".join(download.streaming_content).decode("utf-8-sig")
    usids = [row[1] for row in csv.reader(io.StringIO(content))][1:]
    assert sorted(usids) == [f"U{n}" for n in range(1, 6)]
    assert files.work_ids() == []


def test_an_export_asked_for_in_spanish_is_written_in_spanish_by_the_worker(
    shared_database, job_worker, client_for, supervisor, engineer
):
    part = part_with_procedure(engineer)
    for n in range(1, 4):
        scan(f"U{n}", "smd", part_no=part.part_no)
    worker = job_worker()
    client = client_for(supervisor)
    spanish = {"Accept-Language": "es"}
    url = reverse("dashboards:export", args=[part.pk, "units", "csv"])

    client.post(url, headers=spanish)
    client.post(url, {"columns": "raw"}, headers=spanish)
    asked = {job.params["raw"]: job for job in Job.objects.filter(kind="export")}
    people, raw = (wait_for(asked[is_raw], finished, worker=worker) for is_raw in (False, True))
    jobs_page = client.get(reverse("jobs:list"), headers=spanish).content.decode()

    def rows(job):
        download = client.get(reverse("jobs:download", args=[job.pk]))
        content = b"".join(download.streaming_content).decode("utf-8-sig")
        return list(csv.reader(io.StringIO(content)))

    assert (people.state, raw.state) == ("done", "done"), (people.message, raw.message)
    header, *units = rows(people)
    assert {"N.º", "USID", "N.º de tag", "Retenida", "SMD completada", "SMD por"} <= set(header)
    assert not {"No.", "Tag", "On hold", "SMD done"} & set(header)
    unit = dict(zip(header, units[0], strict=True))
    assert (unit["SMD completada"], unit["Retenida"]) == ("Sí", "No")
    # The raw columns are for programs: their names do not depend on who asked.
    raw_header = rows(raw)[0]
    assert raw_header == [header for _name, header in exports.unit_columns(part.unit_model())]
    assert {"usid", "on_hold", "is_smd"} <= set(raw_header)
    # The jobs are named in the language they were asked in.
    assert "Unidades de EICS112_Part (CSV)" in jobs_page


def test_progress_is_reported_as_rows_done_of_the_total_while_it_runs(
    shared_database, job_worker, client_for, supervisor, engineer
):
    part = part_with_procedure(engineer)
    add_units(part, 10_000)
    worker = job_worker()
    client = client_for(supervisor)

    client.post(reverse("dashboards:export", args=[part.pk, "units", "xlsx"]))
    job = wait_for(Job.objects.get(kind="export"), lambda job: job.rows_done > 0, worker=worker)
    status = client.get(reverse("jobs:detail", args=[job.pk]), headers={"HX-Request": "true"})
    done = wait_for(job, finished, worker=worker)

    text = status.content.decode()
    assert "<html" not in text
    assert " of 10,000 rows" in text and 'max="10000"' in text
    assert 'hx-trigger="every 1s"' in text  # the page keeps asking while it runs
    assert done.state == "done" and done.rows_done == 10_000
