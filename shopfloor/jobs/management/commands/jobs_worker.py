"""``manage.py jobs_worker``: django-tasks' database worker, with the app's heartbeat and
housekeeping beside it.

It takes the same options as ``db_worker`` (``--queue-name default,exports``, ``--interval``),
and ``--nice N``: the worker lowers its own CPU priority by N (``os.nice``) so that on a machine
that also serves scans the scans go first, and, when the database runs on this same machine,
gives the database process serving each of its connections the same priority (where the
operating system allows it; else that process keeps its own).

A niceness alone is not enough on Linux: with the scheduler's autogroups (on by default where
processes are not in a cgroup of their own) it only ranks processes of one session against
each other, while each session as a whole gets an equal share of the CPU. A worker started
beside gunicorn from one shell or one ``make run`` would share their session, and a worker
started alone would compete at full weight against the database's session, which serves the
scans: five exports at nice 19 took a quarter of a core from a busy machine that way. So
``--nice`` also starts a session of the worker's own (when it is not a process-group leader;
systemd starts services in one already) and gives that session's autogroup the same niceness.
Before it takes its first task it tidies after any crash (``jobs_housekeeping``); then a thread
touches the running job every ``JOB_HEARTBEAT_SECONDS`` (so a job whose worker dies is noticed
``JOB_STALE_SECONDS`` later, by any worker) and tidies again every ``JOB_HOUSEKEEPING_SECONDS``.
"""

import logging
import os
import threading
import time

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.db.backends.signals import connection_created
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


LOCAL_HOSTS = ("", "localhost", "127.0.0.1", "::1")


def _database_session_niced(sender, connection, **kwargs):
    """Give the database process serving this connection the worker's priority, when the
    database runs on this machine and the operating system lets us."""
    host = connection.settings_dict.get("HOST") or ""
    if connection.vendor != "postgresql" or not (host in LOCAL_HOSTS or host.startswith("/")):
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        os.setpriority(os.PRIO_PROCESS, pid, os.getpriority(os.PRIO_PROCESS, 0))
    except OSError:
        logger.info("The database process %s keeps its own priority (not allowed here).", pid)


def _session_niced(nice):
    """Lower the CPU share of this worker's whole session (its autogroup) by ``nice``, in a
    session of its own so that nothing else is lowered with it; False when it cannot."""
    if os.getsid(0) != os.getpid():
        try:
            os.setsid()  # refused to a process-group leader (started from an interactive shell)
        except OSError:
            logger.info(
                "The worker shares its session's CPU share (start it with setsid, or as a "
                "service, for --nice to rank it below other programs too)."
            )
            return False
    try:
        with open("/proc/self/autogroup", "w") as autogroup:
            autogroup.write(str(min(nice, 19)))
    except OSError:
        return False  # a kernel without autogroups: the niceness alone ranks it
    return True


class Command(db_worker.Command):
    help = "Run a worker for the app's jobs (exports, recounts): django-tasks' db_worker."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--nice",
            type=int,
            default=0,
            help="Lower this worker's CPU priority by N (and its local database sessions').",
        )

    def handle(self, *args, **options):
        if options["nice"] > 0:
            os.nice(options["nice"])
            _session_niced(os.getpriority(os.PRIO_PROCESS, 0))
            connection.close()  # the next connection is made, and niced, at the new priority
            connection_created.connect(_database_session_niced)
        _tidy()
        connection.close()
        threading.Thread(target=_beside_the_worker, name="jobs-heartbeat", daemon=True).start()
        return super().handle(*args, **options)
