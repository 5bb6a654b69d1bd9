"""The dashboards' recount of a part after its procedure changed what its counts are for, as a
job: the engineer's save returns at once, and the dashboards show the part as "recounting"
until a worker has counted it (see ``figure_cache``)."""

from django.utils.translation import gettext as _
from django_tasks import task

from parts.models import ModelPart
from shopfloor.dashboards.figure_cache import count_after_procedure_change
from shopfloor.jobs.models import JobKind, JobState
from shopfloor.jobs.runner import Finished, run_job
from shopfloor.jobs.services import job_start_once


def recount_start(part_id):
    """Queue a recount of the part, unless one that has not started yet is queued already
    (it will count the procedure as it is when it runs)."""
    part = ModelPart.objects.filter(pk=part_id).first()
    if part is None:
        return None
    return job_start_once(
        kind=JobKind.RECOUNT,
        part=part,
        pending=(JobState.WAITING, JobState.QUEUED),
        label=_("Dashboard counts of %(part)s") % {"part": part.part_no},
        task=recount_task,
    )


@task()
def recount_task(job_id):
    return run_job(job_id, count_part)


def count_part(job, progress):
    progress.total(1)
    count_after_procedure_change(job.part_id)
    progress.advance(1)
    return Finished()
