"""Reading jobs for the person who started them."""

import datetime

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shopfloor.jobs.models import Job, JobState
from shopfloor.jobs.services import queue_place


def job_of(*, user, job_id):
    """The job ``job_id`` if ``user`` started it; otherwise 404, the same as no such job, so
    nobody learns that someone else's job exists."""
    job = Job.objects.select_related("part").filter(pk=job_id, owner=user).first()
    if job is None:
        raise Http404("No such job of yours.")
    return job


def jobs_of(*, user, limit=50):
    return list(Job.objects.select_related("part").filter(owner=user)[:limit])


def job_status(job, now=None):
    """What the job's page shows: its place in the queue, the share done, time left."""
    now = now or timezone.now()
    remaining = None
    if (
        job.state == JobState.RUNNING
        and job.started_at
        and job.rows_total
        and 0 < job.rows_done < job.rows_total
    ):
        elapsed = (now - job.started_at).total_seconds()
        remaining = datetime.timedelta(
            seconds=round(elapsed * (job.rows_total - job.rows_done) / job.rows_done)
        )
    percent = None
    if job.rows_total:
        percent = min(100, 100 * job.rows_done // job.rows_total)
    elif job.rows_total == 0 and job.state == JobState.DONE:
        percent = 100
    return {
        "job": job,
        "place": queue_place(job),
        "percent": percent,
        "remaining": _duration(remaining),
    }


def _duration(delta):
    if delta is None:
        return ""
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return _("%(seconds)s s") % {"seconds": max(seconds, 1)}
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return _("%(minutes)s min %(seconds)s s") % {
            "minutes": minutes,
            "seconds": f"{seconds:02d}",
        }
    hours, minutes = divmod(minutes, 60)
    return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": f"{minutes:02d}"}
