"""Exports as jobs: asked for in a request, written to a file by a worker with its progress,
then offered for download for ``EXPORT_KEEP_HOURS`` (see ``shopfloor.jobs``).

While the line scans, an export yields to it (``shopfloor.jobs.pacing``, at most
``EXPORT_LINE_SHARE`` of the time), and its file goes to the disk a few MB at a time rather
than in the kernel's bursts (``files.WrittenThrough``): the scans' latency stays where it was.

An export for people is written in the language of the person who asked for it: the job
carries the language active in the request (``params["language"]``) and the worker writes
the file with it active, whatever its own language.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django_tasks import task

from shopfloor.dashboards import export_columns, exports
from shopfloor.jobs import files
from shopfloor.jobs.models import JobKind
from shopfloor.jobs.pacing import LinePacer
from shopfloor.jobs.runner import Finished, JobFailed, run_job
from shopfloor.jobs.services import job_start
from shopfloor.stations.models import ScanEvent
from shopfloor.stations.selectors import plan_of_part

EXPORTS = {"units": gettext_lazy("units"), "events": gettext_lazy("scan events")}
FORMATS = {"csv": "CSV", "xlsx": "Excel"}
# The Excel sheet of an export for people is named in its language (raw: "units", "events").
SHEET_NAMES = {
    "units": pgettext_lazy("sheet of an export", "units"),
    "events": pgettext_lazy("sheet of an export", "events"),
}
PROGRESS_EVERY = 1000  # rows between progress reports


def export_start(*, user, part, what, extension, raw=False):
    """Ask for an export of ``part``'s ``what`` as ``extension``; the Job that will write it.

    ``raw`` keeps the stored columns and values (for programs); otherwise the columns are
    labelled and the values shown as people read them (``export_columns``).
    """
    named = {"what": str(EXPORTS[what]).capitalize(), "part": part.part_no}
    named["format"] = FORMATS[extension]
    if raw:
        label = _("%(what)s of %(part)s (%(format)s) (raw columns)") % named
    else:
        label = _("%(what)s of %(part)s (%(format)s)") % named
    return job_start(
        kind=JobKind.EXPORT,
        label=label,
        task=export_task,
        owner=user,
        part=part,
        params={
            "what": what,
            "extension": extension,
            "raw": bool(raw),
            "language": translation.get_language(),
        },
        queue_name="exports",
    )


@task(queue_name="exports")
def export_task(job_id):
    return run_job(job_id, write_export)


def line_mark():
    """The newest scan event's id: it changes with every scan recorded anywhere on the line,
    and reading it is one step down the end of an index."""
    return ScanEvent.objects.order_by("-id").values_list("id", flat=True).first()


def _counted(rows, progress, pacer, also=None):
    pending = 0
    for row in rows:
        yield row
        pending += 1
        if pending == PROGRESS_EVERY:
            progress.advance(pending)
            pending = 0
            pacer.step()
            if also is not None:
                also()
    progress.advance(pending)


def write_export(job, progress):
    """Write the export the job asks for into its work folder, reporting rows as they go, in
    the language of the person who asked for it."""
    with translation.override(job.params.get("language")):
        return _write_export(job, progress)


def _write_export(job, progress):
    part = job.part
    plan = plan_of_part(part) if part is not None else None
    if plan is None:
        raise JobFailed(_("The part has no procedure any more, so it has nothing to export."))
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
    sheet_name = what
    if job.params.get("raw"):
        headers = [header for _name, header in columns]
    else:
        sheet_name = str(SHEET_NAMES[what])
        readable = export_columns.readable_columns(plan, what, columns)
        headers = [column.label for column in readable]
        rows = export_columns.readable_rows(readable, rows)
    folder = files.work_dir(job.pk)
    name = exports.export_filename(part.part_no, what, extension)
    path = folder / name
    pacer = LinePacer(share=settings.EXPORT_LINE_SHARE, line_mark=line_mark, progress=progress)
    if extension == "csv":
        with files.WrittenThrough(path, between=pacer.step) as out:
            for chunk in exports.csv_stream(headers, _counted(rows, progress, pacer)):
                out.write(chunk)
    else:
        # The Excel writer keeps the rows in a temporary file in the work folder (several
        # times the file's size), then writes the whole file at its end: both go to the disk
        # in pieces too, the temporary one only while the line scans (it is thrown away, so
        # when nobody waits on the disk the kernel may never have to write it).
        temporary = files.OpenFilesWrittenThrough(folder)

        def while_the_line_scans():
            if pacer.scanning:
                temporary.step()

        rows = _counted(rows, progress, pacer, also=while_the_line_scans)
        try:
            with files.temporary_files_in(folder):
                exports.xlsx_write(path, headers, rows, sheet_name=sheet_name, rows_total=total)
        except exports.ExportOverflow as overflow:
            message = _("%(problem)s Start the export again.") % {"problem": overflow}
            raise JobFailed(message) from overflow
        files.write_back(path, between=pacer.step)
    return Finished(file=path, file_name=name)
