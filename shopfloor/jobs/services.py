"""Starting, limiting, cancelling and tidying jobs.

Exports are limited: at most ``EXPORTS_PER_USER`` of one person's and ``EXPORTS_AT_ONCE`` in
all are queued or running; others wait, in the order they were asked for, and ``dispatch``
hands the next ones to the queue whenever a slot frees. Other jobs go to the queue at once.
Dispatching runs under one lock (an advisory lock on PostgreSQL; SQLite's transactions are
already one writer at a time), so two requests never both take the last slot.
"""

import datetime
import logging
import uuid
from collections import Counter

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django_tasks_db.models import DBTaskResult

from shopfloor.jobs import files
from shopfloor.jobs.models import ACTIVE_STATES, Job, JobKind, JobState
from shopfloor.jobs.signals import housekeeping_done

logger = logging.getLogger(__name__)

LIMITED_KINDS = (JobKind.EXPORT,)
DISPATCH_LOCK = 7_316_001  # any number, the same in every process


def job_start(*, kind, label, task, owner=None, part=None, params=None, queue_name="default"):
    """Record a job and hand it to the queue (or let it wait for a slot); the Job.

    ``task`` is a django-tasks task taking the job's id.
    """
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            label=label,
            owner=owner,
            part=part,
            params=params or {},
            task_path=task.module_path,
            queue_name=queue_name,
        )
        dispatch()
    job.refresh_from_db()
    return job


def job_start_once(*, kind, part, pending=ACTIVE_STATES, **start):
    """The job of ``kind`` for ``part`` already in one of the ``pending`` states, else a new one
    (``job_start`` with ``start``): a second click, or a second save, queues nothing more.

    Looking and starting happen under the dispatch lock, so two requests at once start one job.
    """
    with transaction.atomic():
        _lock()
        found = Job.objects.filter(kind=kind, part=part, state__in=pending).first()
        if found is not None:
            return found
        return job_start(kind=kind, part=part, **start)


def _lock():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DISPATCH_LOCK])


def _enqueue(job):
    task = import_string(job.task_path).using(queue_name=job.queue_name)
    result = task.enqueue(str(job.id))
    job.task_id = str(result.id)
    job.state = JobState.QUEUED
    job.save(update_fields=["task_id", "state"])


def dispatch():
    """Hand every waiting job that fits the limits to the queue, oldest first."""
    with transaction.atomic():
        _lock()
        waiting = list(Job.objects.filter(state=JobState.WAITING).order_by("created_at", "id"))
        if not waiting:
            return
        busy = Job.objects.filter(
            kind__in=LIMITED_KINDS, state__in=(JobState.QUEUED, JobState.RUNNING)
        ).values_list("owner_id", flat=True)
        per_owner = Counter(busy)
        in_all = sum(per_owner.values())
        for job in waiting:
            if job.kind not in LIMITED_KINDS:
                _enqueue(job)
                continue
            if in_all >= settings.EXPORTS_AT_ONCE:
                continue
            if per_owner[job.owner_id] >= settings.EXPORTS_PER_USER:
                continue
            _enqueue(job)
            per_owner[job.owner_id] += 1
            in_all += 1


def queue_place(job):
    """How many jobs of its kind are ahead of a waiting or queued ``job`` (0: next)."""
    if job.state not in (JobState.WAITING, JobState.QUEUED):
        return None
    return Job.objects.filter(
        kind=job.kind,
        state__in=(JobState.WAITING, JobState.QUEUED),
        created_at__lt=job.created_at,
    ).count()


def job_cancel(*, job):
    """Cancel ``job`` if it has not finished; True when it was cancelled.

    A running job notices at its next progress report and stops; its files are removed.
    """
    cancelled = Job.objects.filter(pk=job.pk, state__in=ACTIVE_STATES).update(
        state=JobState.CANCELLED,
        finished_at=timezone.now(),
        message=gettext_noop("Cancelled."),
    )
    if cancelled:
        DBTaskResult.objects.filter(id=job.task_id or None, status="READY").delete()
        if job.state != JobState.RUNNING:
            files.discard(job.pk)
        dispatch()
    job.refresh_from_db()
    return bool(cancelled)


def _reap_stale(now):
    """Jobs whose worker stopped sending heartbeats: run them again, or fail them."""
    limit = now - datetime.timedelta(seconds=settings.JOB_STALE_SECONDS)
    stale = Job.objects.filter(state=JobState.RUNNING, heartbeat_at__lt=limit)
    reaped = 0
    for job in stale.select_related("owner"):
        again = job.attempts < settings.JOB_MAX_ATTEMPTS
        changes = {"task_id": "", "rows_done": 0, "heartbeat_at": None}
        with translation.override(job.messages_language()):
            rows = number_format(job.rows_done, force_grouping=True)
            if again:
                changes |= {
                    "state": JobState.WAITING,
                    "message": _(
                        "The worker running it stopped after %(rows)s rows; it was run again "
                        "from the start."
                    )
                    % {"rows": rows},
                }
            else:
                changes |= {
                    "state": JobState.FAILED,
                    "finished_at": now,
                    "message": ngettext(
                        "The worker running it stopped after %(rows)s rows, %(attempts)s time; "
                        "nothing was kept. Start it again, or ask an administrator to look at "
                        "the workers' logs.",
                        "The worker running it stopped after %(rows)s rows, %(attempts)s times; "
                        "nothing was kept. Start it again, or ask an administrator to look at "
                        "the workers' logs.",
                        job.attempts,
                    )
                    % {"rows": rows, "attempts": job.attempts},
                }
        taken = Job.objects.filter(
            pk=job.pk, state=JobState.RUNNING, heartbeat_at=job.heartbeat_at
        ).update(**changes)
        if not taken:
            continue  # it beat meanwhile, or another worker's housekeeping took it
        reaped += 1
        files.discard(job.pk)
        if job.task_id:
            DBTaskResult.objects.filter(id=job.task_id, status="RUNNING").update(
                status="FAILED",
                finished_at=now,
                exception_class_path="shopfloor.jobs.WorkerLost",
                traceback="The worker running this task stopped without finishing it.",
            )
        logger.warning("Job %s lost its worker; %s", job.pk, changes["message"])
    return reaped


def _remove_files(now):
    """Remove work folders of jobs not running, and finished files nobody may fetch any more."""
    Job.objects.filter(state=JobState.DONE, expires_at__lt=now).update(
        state=JobState.EXPIRED, message=gettext_noop("The file was removed after its time.")
    )
    work = files.work_ids()
    finished = files.finished_ids()
    states = dict(Job.objects.filter(pk__in=_valid_ids(work + finished)).values_list("pk", "state"))
    states = {str(pk): state for pk, state in states.items()}
    for job_id in work:
        if states.get(job_id) not in ACTIVE_STATES:
            files.remove_work(job_id)
    for job_id in finished:
        if states.get(job_id) != JobState.DONE:
            files.finished_path(job_id).unlink(missing_ok=True)


def _valid_ids(names):
    valid = []
    for name in names:
        try:
            valid.append(uuid.UUID(name))
        except ValueError:
            continue
    return valid


def jobs_housekeeping():
    """Tidy after crashes and time: run again or fail jobs whose worker died, remove temporary
    and expired files, hand waiting jobs to the queue. Safe to run in many processes at once."""
    now = timezone.now()
    reaped = _reap_stale(now)
    _remove_files(now)
    dispatch()
    housekeeping_done.send(sender=Job)
    return reaped


def job_touch(job_id):
    """The running job's heartbeat; False when the job is no longer running (cancelled)."""
    return bool(
        Job.objects.filter(pk=job_id, state=JobState.RUNNING).update(heartbeat_at=timezone.now())
    )


def job_claim(job_id):
    """Mark a queued job running; False if it was cancelled (or taken) meanwhile."""
    now = timezone.now()
    return bool(
        Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
            state=JobState.RUNNING,
            started_at=now,
            heartbeat_at=now,
            rows_done=0,
            pauses=0,
            paused_seconds=0,
            attempts=F("attempts") + 1,
        )
    )
