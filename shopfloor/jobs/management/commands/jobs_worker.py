"""``manage.py jobs_worker``: django-tasks' database worker, with the app's heartbeat and
housekeeping beside it.

It takes the same options as ``db_worker`` (``--queue-name default,exports``, ``--interval``).
Before it takes its first task it tidies after any crash (``jobs_housekeeping``); then a thread
touches the running job every ``JOB_HEARTBEAT_SECONDS`` (so a job whose worker dies is noticed
``JOB_STALE_SECONDS`` later, by any worker) and tidies again every ``JOB_HOUSEKEEPING_SECONDS``.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django_tasks_db.management.commands import db_worker

from shopfloor.jobs import runner
from shopfloor.jobs.services import jobs_housekeeping

logger = logging.getLogger(__name__)


def _tidy():
    try:
        jobs_housekeeping()
    except DatabaseError:
        logger.warning("Jobs housekeeping could not run this time", exc_info=True)


def _beside_the_worker():
    beat_every = max(0.1, settings.JOB_HEARTBEAT_SECONDS)
    tidied_at = time.monotonic()
    while True:
        time.sleep(beat_every)
        close_old_connections()
        try:
            runner.heartbeat()
        except DatabaseError:
            logger.warning("Could not send a job's heartbeat", exc_info=True)
            connection.close()
        if time.monotonic() - tidied_at >= settings.JOB_HOUSEKEEPING_SECONDS:
            tidied_at = time.monotonic()
            _tidy()


class Command(db_worker.Command):
    help = "Run a worker for the app's jobs (exports, recounts): django-tasks' db_worker."

    def handle(self, *args, **options):
        _tidy()
        connection.close()
        threading.Thread(target=_beside_the_worker, name="jobs-heartbeat", daemon=True).start()
        return super().handle(*args, **options)
