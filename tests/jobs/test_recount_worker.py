"""A procedure change that alters a part's stages is recounted by a job worker, not by the
engineer's save: the dashboards say "recounting" for that part until the worker is done."""

import pytest
from django.urls import reverse

from procedures.services import procedure_apply
from shopfloor.dashboards.recount_jobs import recount_task
from shopfloor.jobs.models import Job
from tests.jobs.support import finished, wait_for
from tests.stations.scan_support import PROCEDURE, part_with_procedure, scan

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_new_stage_shows_recounting_until_a_worker_has_counted_the_part(
    shared_database, job_worker, client_for, supervisor, engineer
):
    part = part_with_procedure(engineer)
    other = part_with_procedure(engineer, part_no="OTHER_Part")
    for n in range(1, 4):
        scan(f"U{n}", "smd", part_no=part.part_no)
    client = client_for(supervisor)
    for job in Job.objects.filter(kind="recount"):  # the first counts of the new parts
        recount_task.call(str(job.pk))
    config = {**PROCEDURE, "stages": [*PROCEDURE["stages"], {"key": "packing", "label": "Pack"}]}

    procedure_apply(part=part, config=config, user=engineer)  # committed: the job is queued
    page = client.get(reverse("dashboards:part", args=[part.pk])).content.decode()
    overview = client.get(reverse("dashboards:overview")).content.decode()
    other_page = client.get(reverse("dashboards:part", args=[other.pk])).content.decode()
    job = Job.objects.get(kind="recount", part=part, state="queued")
    worker = job_worker()
    job = wait_for(job, finished, worker=worker)
    after = client.get(reverse("dashboards:part", args=[part.pk])).content.decode()

    assert 'data-testid="recounting"' in page and 'data-figure="units"' not in page
    assert overview.count('data-testid="recounting"') == 1  # only the part concerned
    assert 'data-testid="recounting"' not in other_page
    assert job.state == "done", job.message
    assert 'data-testid="recounting"' not in after
    assert '<dd data-figure="units">3</dd>' in after
