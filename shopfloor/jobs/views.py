from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shopfloor.jobs import files
from shopfloor.jobs.models import KIND_PERMISSIONS, JobState
from shopfloor.jobs.selectors import job_of, job_status, jobs_of
from shopfloor.jobs.services import job_cancel


@require_GET
def job_list(request):
    entries = [job_status(job) for job in jobs_of(user=request.user)]
    polling = any(entry["job"].active for entry in entries)
    template = "jobs/job_list.html"
    if request.htmx:
        template += "#jobs"
    return render(request, template, {"entries": entries, "polling": polling})


@require_GET
def job_detail(request, job_id):
    job = job_of(user=request.user, job_id=job_id)
    template = "jobs/job_detail.html"
    if request.htmx:
        template += "#status"
    return render(request, template, job_status(job))


@require_POST
def job_cancel_view(request, job_id):
    job = job_of(user=request.user, job_id=job_id)
    if job_cancel(job=job):
        messages.info(request, _("%(job)s: cancelled.") % {"job": job.label})
    else:
        messages.warning(
            request,
            _("%(job)s had already %(state)s.")
            % {"job": job.label, "state": job.get_state_display()},
        )
    return redirect("jobs:detail", job_id=job.pk)


@require_GET
def job_download(request, job_id):
    job = job_of(user=request.user, job_id=job_id)
    if not request.user.has_perm(KIND_PERMISSIONS[job.kind]):
        raise PermissionDenied
    if job.state != JobState.DONE or not job.file_name:
        raise Http404(f"{job.label} has no file to download ({job.get_state_display()}).")
    try:
        handle = files.finished_path(job.pk).open("rb")
    except FileNotFoundError:
        raise Http404(f"The file of {job.label} is no longer kept.") from None
    return FileResponse(handle, as_attachment=True, filename=job.file_name)
