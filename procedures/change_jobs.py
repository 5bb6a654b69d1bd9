"""Procedure changes that rewrite many units' values, applied by a job worker with progress.

A type conversion (a field from text to integer, say) writes the converted value of every
unit; on SQLite it also rewrites the table when the old column is dropped. On a part of
``PROCEDURE_JOB_UNITS`` units or more, the engineer's save starts a job instead of doing it in
the request: the page follows the job, and scans of that part answer ``procedure_changing``
until it ends (``procedures.changing``); other parts scan as usual. Smaller changes, and
changes that only add, retire or restore columns (quick on any table), save at once.

The job saves the procedure exactly as the request would (``procedure_apply``: validated,
refused when someone saved since the engineer opened it, all or nothing), reporting the units
converted while it runs. Its transaction holds the procedure row, so the flag is set ahead by
the time the change is expected to take instead of being renewed.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from parts.unit_tables import UnitTableError
from parts.unit_tables.progress import reported_to
from procedures.changing import procedure_changing
from procedures.exceptions import ProcedureConflict
from procedures.services import procedure_apply, procedure_preview
from shopfloor.jobs.models import ACTIVE_STATES, Job, JobKind, JobState
from shopfloor.jobs.runner import Finished, JobFailed, progress_aside, run_job
from shopfloor.jobs.services import job_start_once

# Units converted per second assumed for the flag's time ahead: slow on purpose (a loaded
# machine, SQLite's Python conversion), so the flag never lapses while the job still works.
ASSUMED_UNITS_PER_SECOND = 2_000


class ProcedureChangePending(Exception):
    """A job is still applying an earlier change of the part's procedure."""

    def __init__(self, job):
        self.job = job
        super().__init__(
            _(
                "An earlier change of this procedure is still being applied (%(job)s, "
                "%(state)s). Wait until it ends, then reload the procedure and make your change "
                "again."
            )
            % {"job": job.label, "state": job.get_state_display()}
        )


def procedure_change_units(*, part, config):
    """Units whose values applying ``config`` converts, counted once per converted column
    (0 when it converts none). Raises ``ValidationError`` for a bad config, as saving would."""
    plan = procedure_preview(part=part, config=config)
    converted = [conversion for conversion in plan.converted if conversion.needs_ddl]
    if not converted or plan.create_table:
        return 0
    return part.unit_model().objects.count() * len(converted)


def procedure_change_is_large(*, part, config):
    """Whether saving ``config`` converts the values of ``PROCEDURE_JOB_UNITS`` units or more."""
    units = procedure_change_units(part=part, config=config)
    return bool(units) and units >= settings.PROCEDURE_JOB_UNITS


def procedure_change_pending(*, part):
    """The job applying a change of ``part``'s procedure, if one is queued or running."""
    return Job.objects.filter(
        kind=JobKind.PROCEDURE_CHANGE, part=part, state__in=ACTIVE_STATES
    ).first()


def procedure_change_as_job(*, part, config, user, expected_version):
    """The job applying this change of ``part``'s procedure when it is large; None when it is
    to be saved at once. Raises ``ValidationError`` for a bad config, and
    ``ProcedureChangePending`` while a job applies another change of the part (any save then
    would be made on a procedure that is about to change)."""
    if procedure_change_pending(part=part) is None and not procedure_change_is_large(
        part=part, config=config
    ):
        return None
    return procedure_change_start(
        part=part, config=config, user=user, expected_version=expected_version
    )


def procedure_change_start(*, part, config, user, expected_version):
    """Queue the change of ``part``'s procedure to ``config``; the Job applying it (the same
    job when the same change is asked twice).

    Raises ``ProcedureChangePending`` while another change of the part is still applied:
    the second edit was made on a procedure that is about to change. The job keeps the
    language of the person who asked, and its progress and outcome are written in it.
    """
    change = {"config": config, "expected_version": expected_version}
    job = job_start_once(
        kind=JobKind.PROCEDURE_CHANGE,
        part=part,
        label=_("Procedure change of %(part_no)s") % {"part_no": part.part_no},
        task=procedure_change_task,
        owner=user,
        params={**change, "language": translation.get_language()},
    )
    asked = {name: job.params.get(name) for name in change}
    if asked != change or job.owner_id != user.pk:
        raise ProcedureChangePending(job)
    return job


@task()
def procedure_change_task(job_id):
    return run_job(job_id, change_procedure)


def change_procedure(job, progress):
    """The job's work: save the procedure, converting the units' values, with progress; its
    messages in the language of the person who asked (English for a job queued without one)."""
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        return _change_procedure(job, progress)


def _change_procedure(job, progress):
    part = job.part
    config, expected_version = job.params["config"], job.params["expected_version"]
    try:
        units = procedure_change_units(part=part, config=config)
    except ValidationError as invalid:
        raise JobFailed(
            _("%(problems)s Nothing was changed.") % {"problems": " ".join(invalid.messages)}
        ) from invalid
    progress.total(units)
    procedure_changing(part.pk, True, ahead_seconds=units / ASSUMED_UNITS_PER_SECOND)
    try:
        with progress_aside(progress) as report:
            done = 0

            def converted(rows):
                nonlocal done
                done += rows
                report(done)

            with reported_to(converted):
                procedure = procedure_apply(
                    part=part, config=config, user=job.owner, expected_version=expected_version
                )
    except ProcedureConflict as conflict:
        raise JobFailed(str(conflict)) from conflict
    except ValidationError as invalid:
        raise JobFailed(" ".join(invalid.messages)) from invalid
    except UnitTableError as error:
        raise JobFailed(str(error)) from error
    finally:
        procedure_changing(part.pk, False)
    progress.done = units
    # On SQLite a cancel cannot reach the transaction: say what happened all the same.
    Job.objects.filter(pk=job.pk, state=JobState.CANCELLED).update(
        message=_("Cancelled too late: the change was applied as version %(version)s.")
        % {"version": procedure.version}
    )
    return Finished(
        message=ngettext(
            "Saved version %(version)s of the procedure; %(count)s unit value converted.",
            "Saved version %(version)s of the procedure; %(count)s unit values converted.",
            units,
        )
        % {"version": procedure.version, "count": number_format(units, force_grouping=True)}
    )
