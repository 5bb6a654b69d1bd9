"""Exports as jobs: asked for in a request, written to a file by a worker with its progress,
then offered for download for ``EXPORT_KEEP_HOURS`` (see ``shopfloor.jobs``)."""

from django_tasks import task

from shopfloor.dashboards import export_columns, exports
from shopfloor.jobs import files
from shopfloor.jobs.models import JobKind
from shopfloor.jobs.runner import Finished, JobFailed, run_job
from shopfloor.jobs.services import job_start
from shopfloor.stations.models import ScanEvent
from shopfloor.stations.selectors import plan_of_part

EXPORTS = {"units": "units", "events": "scan events"}
FORMATS = {"csv": "CSV", "xlsx": "Excel"}
PROGRESS_EVERY = 1000  # rows between progress reports


def export_start(*, user, part, what, extension, raw=False):
    """Ask for an export of ``part``'s ``what`` as ``extension``; the Job that will write it.

    ``raw`` keeps the stored columns and values (for programs); otherwise the columns are
    labelled and the values shown as people read them (``export_columns``).
    """
    kind = " (raw columns)" if raw else ""
    return job_start(
        kind=JobKind.EXPORT,
        label=f"{EXPORTS[what].capitalize()} of {part.part_no} ({FORMATS[extension]}){kind}",
        task=export_task,
        owner=user,
        part=part,
        params={"what": what, "extension": extension, "raw": bool(raw)},
        queue_name="exports",
    )


@task(queue_name="exports")
def export_task(job_id):
    return run_job(job_id, write_export)


def _counted(rows, progress):
    pending = 0
    for row in rows:
        yield row
        pending += 1
        if pending == PROGRESS_EVERY:
            progress.advance(pending)
            pending = 0
    progress.advance(pending)


def write_export(job, progress):
    """Write the export the job asks for into its work folder, reporting rows as they go."""
    part = job.part
    plan = plan_of_part(part) if part is not None else None
    if plan is None:
        raise JobFailed("The part has no procedure any more, so it has nothing to export.")
    what, extension = job.params["what"], job.params["extension"]
    if what == "units":
        columns = exports.unit_columns(plan.unit_model)
        rows = exports.unit_rows(plan.unit_model)
        total = plan.unit_model.objects.count()
    else:
        columns = exports.EVENT_COLUMNS
        rows = exports.event_rows(part_id=part.pk)
        total = ScanEvent.objects.filter(part_id=part.pk).count()
    progress.total(total)
    if job.params.get("raw"):
        headers = [header for _name, header in columns]
    else:
        readable = export_columns.readable_columns(plan, what, columns)
        headers = [column.label for column in readable]
        rows = export_columns.readable_rows(readable, rows)
    folder = files.work_dir(job.pk)
    name = exports.export_filename(part.part_no, what, extension)
    path = folder / name
    rows = _counted(rows, progress)
    if extension == "csv":
        with open(path, "wb") as out:
            for chunk in exports.csv_stream(headers, rows):
                out.write(chunk)
    else:
        try:
            exports.xlsx_write(path, headers, rows, sheet_name=what, rows_total=total)
        except exports.ExportOverflow as overflow:
            raise JobFailed(f"{overflow} Start the export again.") from overflow
    return Finished(file=path, file_name=name)
