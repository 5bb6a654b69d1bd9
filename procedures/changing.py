"""The flag that tells scans a job is changing a part's unit table (``changing_since``).

While it is set, scans of that part read it in the statement that finds the part
(``shopfloor.scanning.sql``) and are refused with ``procedure_changing`` instead of waiting on
the table's lock; other parts scan as usual. A scan ignores a flag older than
``JOB_STALE_SECONDS`` (left by a worker that died), so a job renews it as it goes; a job that
cannot renew it (its transaction holds the procedure row) sets it ahead by its expected
duration. The job clears it however it ends, and the workers' housekeeping clears a flag no
live job holds.
"""

import datetime

from django.utils import timezone

from procedures.models import PartProcedureDetail
from shopfloor.jobs.models import ACTIVE_STATES, Job, JobKind

CHANGING_KINDS = (JobKind.REBUILD, JobKind.PROCEDURE_CHANGE)


def procedure_changing(part_id, changing, *, ahead_seconds=0):
    """Set (or clear) the flag that makes scans of the part answer ``procedure_changing``;
    ``ahead_seconds`` keeps it obeyed that much longer without a renewal."""
    since = timezone.now() + datetime.timedelta(seconds=ahead_seconds) if changing else None
    PartProcedureDetail.objects.filter(model_part_id=part_id).update(changing_since=since)


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
