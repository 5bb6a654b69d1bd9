"""Waiting on jobs run by a real worker process, and parts big enough to watch one run."""

import time

from django.utils import timezone

from shopfloor.jobs.models import Job


def wait_for(job, condition, *, worker=None, timeout=90):
    """Poll the job until ``condition(job)`` holds; the job as it is then."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job.pk)
        if condition(job):
            return job
        time.sleep(0.05)
    log = worker.output()[-3000:] if worker else ""
    raise AssertionError(
        f"job {job.pk} still {job.state} ({job.message!r}) after {timeout} s\n{log}"
    )


def finished(job):
    return job.state not in ("waiting", "queued", "running")


def add_units(part, count):
    """Register ``count`` units of ``part`` straight in its unit table (fast)."""
    model = part.unit_model()
    now = timezone.now()
    batch = 5000
    for start in range(0, count, batch):
        model.objects.bulk_create(
            model(usid=f"B{n:07d}", created_at=now, updated_at=now)
            for n in range(start, min(count, start + batch))
        )
