"""Rebuilding a part's unit table (to give back dropped-column slots) as a job with progress.

While the job runs, the part's procedure row carries the ``changing_since`` flag
(``procedures.changing``): scans of that part are refused with ``procedure_changing``, other
parts scan as usual. The job renews the flag with each batch of rows it reports.
"""

from django.db import connection
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from parts.unit_tables.capacity import dropped_column_count
from parts.unit_tables.rebuild import unit_table_rebuild
from procedures.changing import procedure_changing
from shopfloor.jobs.models import JobKind
from shopfloor.jobs.runner import Finished, progress_aside, run_job
from shopfloor.jobs.services import job_start_once


def rebuild_reclaimable(part):
    """Dropped-column slots a rebuild of ``part``'s table would give back (0 on SQLite)."""
    return dropped_column_count(part.pk)


def rebuild_start(*, part, user):
    """Queue a rebuild of ``part``'s unit table, unless one is queued or running already."""
    return job_start_once(
        kind=JobKind.REBUILD,
        label=_("Unit table rebuild of %(part_no)s") % {"part_no": part.part_no},
        task=rebuild_task,
        owner=user,
        part=part,
    )


@task()
def rebuild_task(job_id):
    return run_job(job_id, rebuild_part)


def rebuild_part(job, progress):
    """The job's work: rebuild the table, reporting rows copied of the total.

    The rebuild runs in one transaction; the progress (and the renewed flag) is written from a
    second thread with its own database connection, so the job's page and the scans see it
    while the copy goes on.
    """
    procedure_changing(job.part_id, True)
    try:
        with progress_aside(progress, also=lambda: procedure_changing(job.part_id, True)) as report:
            freed = unit_table_rebuild(job.part, progress=report)
    finally:
        procedure_changing(job.part_id, False)
    if connection.vendor != "postgresql":
        return Finished(
            message=_("SQLite gives a dropped column's slot back at once: nothing to do.")
        )
    return Finished(
        message=ngettext(
            "%(count)s dropped column slot given back.",
            "%(count)s dropped column slots given back.",
            freed,
        )
        % {"count": number_format(freed, force_grouping=True)}
    )
