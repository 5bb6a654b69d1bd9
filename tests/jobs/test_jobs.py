"""Jobs as people see them: limits and places in the queue, their pages, cancelling, someone
else's job, and the housekeeping after crashes and time. The work itself is run in the test
process here; tests/jobs/test_export_worker.py and test_worker_faults.py run real workers."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from shopfloor.dashboards.export_jobs import export_start, export_task
from shopfloor.jobs import files
from shopfloor.jobs.models import Job
from shopfloor.jobs.selectors import job_status
from shopfloor.jobs.services import jobs_housekeeping
from tests.stations.scan_support import part_with_procedure, scan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path / "exports"
    settings.EXPORTS_PER_USER = 1
    settings.EXPORTS_AT_ONCE = 2


@pytest.fixture
def part(engineer):
    part = part_with_procedure(engineer)
    scan("U1", "smd", part_no=part.part_no)
    return part


def ask(client, part, what="units", extension="csv"):
    response = client.post(reverse("dashboards:export", args=[part.pk, what, extension]))
    assert response.status_code == 302, response.content
    return Job.objects.get(pk=response["Location"].split("/")[-2])


def test_exports_past_the_limits_wait_with_their_place_shown(
    client_for, make_user, part, supervisor
):
    other = make_user("Supervisor")
    third = make_user("Engineer")

    first = ask(client_for(supervisor), part)
    second = ask(client_for(supervisor), part, "events")
    others = ask(client_for(other), part)
    thirds = ask(client_for(third), part)
    page = client_for(supervisor).get(reverse("jobs:detail", args=[second.pk])).content.decode()

    states = [Job.objects.get(pk=job.pk).state for job in (first, second, others, thirds)]
    assert states == ["queued", "waiting", "queued", "waiting"]  # one each, two in all
    assert "Waiting to start: 1 job ahead of it." in page


def test_a_waiting_export_starts_when_a_slot_frees(client_for, part, supervisor):
    first = ask(client_for(supervisor), part)
    second = ask(client_for(supervisor), part, "events")

    export_task.call(str(first.pk))

    assert Job.objects.get(pk=first.pk).state == "done"
    assert Job.objects.get(pk=second.pk).state == "queued"


def test_the_job_page_shows_progress_and_time_left(supervisor, part):
    job = export_start(user=supervisor, part=part, what="units", extension="csv")
    started = timezone.now() - datetime.timedelta(seconds=30)
    Job.objects.filter(pk=job.pk).update(
        state="running", started_at=started, rows_total=4000, rows_done=1000
    )

    status = job_status(Job.objects.get(pk=job.pk), now=started + datetime.timedelta(seconds=30))

    assert status["percent"] == 25
    assert status["remaining"] == "1 min 30 s"


def test_someone_elses_job_is_not_found_whatever_is_asked(client_for, make_user, part, supervisor):
    job = ask(client_for(supervisor), part)
    export_task.call(str(job.pk))
    stranger = client_for(make_user("Supervisor"))

    answers = [
        stranger.get(reverse("jobs:detail", args=[job.pk])).status_code,
        stranger.get(reverse("jobs:download", args=[job.pk])).status_code,
        stranger.post(reverse("jobs:cancel", args=[job.pk])).status_code,
        stranger.get(reverse("jobs:detail", args=[uuid.uuid4()])).status_code,
    ]
    listing = stranger.get(reverse("jobs:list")).content.decode()

    assert answers == [404, 404, 404, 404]
    assert str(job.pk) not in listing and "You have no jobs" in listing
    assert Job.objects.get(pk=job.pk).state == "done"


def test_exports_of_parts_that_cannot_be_exported_are_refused_and_start_nothing(
    client_for, supervisor, operator, engineer, part
):
    bare = part_with_procedure(engineer, part_no="BARE_Part")
    bare.procedure.delete()
    url = reverse("dashboards:export", args=[part.pk, "units", "csv"])

    answers = [
        client_for(supervisor).post(reverse("dashboards:export", args=[9999, "units", "csv"])),
        client_for(supervisor).post(reverse("dashboards:export", args=[bare.pk, "units", "csv"])),
        client_for(supervisor).get(url),
        client_for(operator).post(url),
    ]

    assert [answer.status_code for answer in answers] == [404, 404, 405, 403]
    assert Job.objects.count() == 0


def test_a_cancelled_job_says_so_and_offers_no_file(client_for, part, supervisor):
    client = client_for(supervisor)
    job = ask(client, part)

    cancelled = client.post(reverse("jobs:cancel", args=[job.pk]), follow=True)
    export_task.call(str(job.pk))  # its task, if a worker had already taken it, does nothing
    again = client.post(reverse("jobs:cancel", args=[job.pk]), follow=True)

    assert "cancelled." in cancelled.content.decode()
    assert "had already cancelled" in again.content.decode()
    assert Job.objects.get(pk=job.pk).state == "cancelled"
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404
    assert files.finished_ids() == []


def test_a_running_job_cancelled_stops_at_its_next_report_and_keeps_nothing(
    client_for, part, supervisor
):
    job = ask(client_for(supervisor), part)

    def cancel_midway(job_obj, progress):
        folder = files.work_dir(job_obj.pk)
        (folder / "half.csv").write_text("id\n1\n")
        Job.objects.filter(pk=job_obj.pk).update(state="cancelled")
        progress.save()

    from shopfloor.jobs.runner import run_job

    assert run_job(job.pk, cancel_midway) == "stopped"
    assert files.work_ids() == [] and files.finished_ids() == []


def test_housekeeping_removes_expired_and_orphaned_files(supervisor, part, settings):
    done = export_start(user=supervisor, part=part, what="units", extension="csv")
    export_task.call(str(done.pk))
    old = export_start(user=supervisor, part=part, what="events", extension="csv")
    export_task.call(str(old.pk))
    Job.objects.filter(pk=old.pk).update(expires_at=timezone.now() - datetime.timedelta(hours=1))
    orphan = uuid.uuid4()
    (files.root() / "work" / str(orphan)).mkdir(parents=True)
    (files.root() / "work" / str(orphan) / "tmp123.xml").write_text("<row/>")
    (files.root() / str(uuid.uuid4())).write_text("a file no job knows")

    jobs_housekeeping()

    assert files.finished_ids() == [str(done.pk)]
    assert files.work_ids() == []
    assert Job.objects.get(pk=old.pk).state == "expired"


def test_a_job_whose_worker_went_silent_is_run_again_then_failed(supervisor, part, settings):
    settings.JOB_MAX_ATTEMPTS = 2
    job = export_start(user=supervisor, part=part, what="units", extension="csv")
    silent = timezone.now() - datetime.timedelta(seconds=settings.JOB_STALE_SECONDS + 5)

    Job.objects.filter(pk=job.pk).update(state="running", attempts=1, heartbeat_at=silent)
    jobs_housekeeping()
    retried = Job.objects.get(pk=job.pk)
    Job.objects.filter(pk=job.pk).update(state="running", attempts=2, heartbeat_at=silent)
    jobs_housekeeping()
    failed = Job.objects.get(pk=job.pk)

    assert retried.state == "queued" and "run again" in retried.message
    assert failed.state == "failed" and "stopped" in failed.message
