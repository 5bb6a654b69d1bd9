"""Rebuilding a part's unit table (to give back dropped-column slots) as a job with progress.

While the job runs, the part's procedure row carries ``changing_since``: scans of that part
read it in the statement that finds the part (``shopfloor.scanning.sql``) and are refused with
``procedure_changing`` instead of waiting on the table's lock; other parts scan as usual. The
job clears the flag however it ends; the workers' housekeeping clears a flag no live job holds
(a worker killed mid-job), and a scan ignores a flag not renewed for ``JOB_STALE_SECONDS``
(the job renews it with each batch of rows it reports).
"""

from concurrent.futures import ThreadPoolExecutor

from django.db import connection, connections
from django.utils import timezone
from django_tasks import task

from parts.unit_tables.capacity import dropped_column_count
from parts.unit_tables.rebuild import unit_table_rebuild
from procedures.models import PartProcedureDetail
from shopfloor.jobs.models import ACTIVE_STATES, Job, JobKind
from shopfloor.jobs.runner import Finished, run_job
from shopfloor.jobs.services import job_start

CHANGING_KINDS = (JobKind.REBUILD,)


def rebuild_reclaimable(part):
    """Dropped-column slots a rebuild of ``part``'s table would give back (0 on SQLite)."""
    return dropped_column_count(part.pk)


def rebuild_start(*, part, user):
    """Queue a rebuild of ``part``'s unit table, unless one is queued or running already."""
    pending = Job.objects.filter(kind=JobKind.REBUILD, part=part, state__in=ACTIVE_STATES).first()
    if pending is not None:
        return pending
    return job_start(
        kind=JobKind.REBUILD,
        label=f"Unit table rebuild of {part.part_no}",
        task=rebuild_task,
        owner=user,
        part=part,
    )


@task()
def rebuild_task(job_id):
    return run_job(job_id, rebuild_part)


def procedure_changing(part_id, changing):
    """Set (or clear) the flag that makes scans of the part answer ``procedure_changing``."""
    PartProcedureDetail.objects.filter(model_part_id=part_id).update(
        changing_since=timezone.now() if changing else None
    )


def changing_flags_clear():
    """Clear the flag of parts no active job is changing (its worker died); how many."""
    busy = Job.objects.filter(
        kind__in=CHANGING_KINDS, state__in=ACTIVE_STATES, part__isnull=False
    ).values("part_id")
    return (
        PartProcedureDetail.objects.filter(changing_since__isnull=False)
        .exclude(model_part_id__in=busy)
        .update(changing_since=None)
    )


def changing_flags_clear_after_housekeeping(sender, **kwargs):
    changing_flags_clear()


def rebuild_part(job, progress):
    """The job's work: rebuild the table, reporting rows copied of the total.

    The rebuild runs in one transaction; the progress is written from a second thread (its own
    database connection), so the job's page sees it while the copy goes on.
    """
    procedure_changing(job.part_id, True)
    try:
        with ThreadPoolExecutor(max_workers=1) as side:
            totals = []

            def write(copied, total):
                if not totals:
                    totals.append(total)
                    progress.total(total)
                progress.done = copied
                progress.save()  # raises JobStopped once the job is cancelled
                procedure_changing(job.part_id, True)  # still changing: the flag is fresh

            def report(copied, total):
                side.submit(write, copied, total).result()

            try:
                freed = unit_table_rebuild(job.part, progress=report)
            finally:
                side.submit(connections.close_all).result()  # the side thread's own
    finally:
        procedure_changing(job.part_id, False)
    if connection.vendor != "postgresql":
        return Finished(message="SQLite gives a dropped column's slot back at once: nothing to do.")
    return Finished(message=f"{freed:,} dropped column slot(s) given back.")
