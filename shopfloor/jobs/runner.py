"""Running one job inside a worker: claim it, report progress, finish, fail or stop.

Each kind of work is a function ``handler(job, progress)`` that returns what the job made
(``Finished``) and reports its rows through ``progress``; a django-tasks task (defined beside
the work, e.g. ``dashboards.export_jobs``) calls ``run_job(job_id, handler)``.
"""

import datetime
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shopfloor.jobs import files
from shopfloor.jobs.models import Job, JobState
from shopfloor.jobs.services import dispatch, job_claim, job_touch

logger = logging.getLogger(__name__)

# The job this worker process runs now, for its heartbeat thread (see jobs_worker).
current_job_id = None


class JobStopped(Exception):
    """The job was cancelled (or taken from this worker) while it ran."""


class JobFailed(Exception):
    """The work cannot be done; the message says why, in words for the person who asked."""


@dataclass(frozen=True)
class Finished:
    file: object = None  # a pathlib.Path inside the job's work folder
    file_name: str = ""
    message: str = ""


class Progress:
    """Rows done out of a total, saved at most every half second (each save is a heartbeat)."""

    SAVE_EVERY = 0.5

    def __init__(self, job_id):
        self.job_id = job_id
        self.done = 0
        self.rows_total = None
        self.pauses = 0  # made by the work to leave the line its share (see pacing)
        self.paused_seconds = 0.0
        self._saved_at = 0.0

    def total(self, rows):
        self.rows_total = rows
        Job.objects.filter(pk=self.job_id).update(rows_total=rows)

    def advance(self, rows=1):
        self.done += rows
        if time.monotonic() - self._saved_at >= self.SAVE_EVERY:
            self.save()

    def save(self):
        self._saved_at = time.monotonic()
        updated = Job.objects.filter(pk=self.job_id, state=JobState.RUNNING).update(
            rows_done=self.done,
            pauses=self.pauses,
            paused_seconds=self.paused_seconds,
            heartbeat_at=timezone.now(),
        )
        if not updated:
            raise JobStopped


@contextmanager
def progress_aside(progress, also=None):
    """A ``report(done, total=None)`` for work that runs in one long transaction: each report
    is saved by a second thread on its own database connection, so the job's page sees it
    while the transaction goes on; ``also()`` then runs there too (e.g. to renew a flag). A
    report raises ``JobStopped`` once the job was cancelled, which ends the transaction.

    On SQLite the one writer is that transaction itself: reports made inside it are dropped
    (the page shows the rows when it ends); reports made outside one are saved at once.
    """
    if connection.vendor != "postgresql":

        def here(done, total=None):
            if not connection.in_atomic_block:
                _report(progress, done, total, also)

        yield here
        return
    with ThreadPoolExecutor(max_workers=1) as side:
        try:
            yield lambda done, total=None: side.submit(
                _report, progress, done, total, also
            ).result()
        finally:
            side.submit(connections.close_all).result()  # the side thread's own


def _report(progress, done, total, also):
    if total is not None and progress.rows_total is None:
        progress.total(total)
    progress.done = done
    progress.save()  # raises JobStopped once the job is cancelled
    if also is not None:
        also()


def run_job(job_id, handler):
    """Run the job ``job_id`` with ``handler`` if it is still queued; then hand out free slots."""
    global current_job_id
    if not job_claim(job_id):
        return "not run: no longer queued"
    job = Job.objects.select_related("part", "owner").get(pk=job_id)
    current_job_id = job.pk
    progress = Progress(job.pk)
    # Its messages are written for the person who asked for it, in their language.
    with translation.override(job.messages_language()):
        try:
            finished = handler(job, progress)
            progress.save()
            _finish(job, finished)
            return "done"
        except JobStopped:
            files.discard(job.pk)
            return "stopped"
        except JobFailed as failure:
            files.discard(job.pk)
            _fail(job, str(failure))
            return "failed"
        except Exception as error:
            files.discard(job.pk)
            _fail(
                job,
                _(
                    "It stopped on an unexpected error (%(error)s); the workers' log has the "
                    "details."
                )
                % {"error": type(error).__name__},
            )
            raise
        finally:
            current_job_id = None
            dispatch()


def _finish(job, finished):
    now = timezone.now()
    changes = {"state": JobState.DONE, "finished_at": now}
    if finished.message:
        changes["message"] = finished.message  # else a note of an earlier attempt stays
    if finished.file is not None:
        changes |= {
            "file_size": files.publish(job.pk, finished.file),
            "file_name": finished.file_name,
            "expires_at": now + datetime.timedelta(hours=settings.EXPORT_KEEP_HOURS),
        }
    if not Job.objects.filter(pk=job.pk, state=JobState.RUNNING).update(**changes):
        files.discard(job.pk)  # cancelled at the last moment: nothing is offered
    files.remove_work(job.pk)


def _fail(job, message):
    Job.objects.filter(pk=job.pk, state=JobState.RUNNING).update(
        state=JobState.FAILED, finished_at=timezone.now(), message=message
    )
    logger.warning("Job %s failed: %s", job.pk, message)


def heartbeat():
    """Touch the job this process runs (called by the worker's heartbeat thread)."""
    job_id = current_job_id
    if job_id is not None:
        job_touch(job_id)
