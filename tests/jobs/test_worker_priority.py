"""``jobs_worker --nice N`` runs below the web server's priority, and so does the database
process serving it when the database is on the same machine: scans go first."""

import os
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.support.servers import JobWorker

pytestmark = pytest.mark.django_db(transaction=True)


def niceness(pid):
    return os.getpriority(os.PRIO_PROCESS, pid)


def database_processes():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a database process to nice")
def test_a_niced_worker_and_its_database_sessions_run_at_the_lower_priority(
    shared_database, tmp_path
):
    ours = niceness(0)
    worker = JobWorker(database_url=shared_database, log_dir=tmp_path, nice=7)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(
            niceness(pid) == ours + 7 for pid in database_processes()
        ):
            time.sleep(0.2)
        worker_niceness = niceness(worker.process.pid)
        sessions = [niceness(pid) for pid in database_processes()]
    finally:
        worker.stop()

    assert worker_niceness == ours + 7
    assert ours + 7 in sessions, worker.output()[-2000:]


def autogroup_niceness(pid):
    """The niceness of the process's autogroup: the CPU share of its whole session against
    other sessions (the database's, the web server's) where the kernel groups by session.

    A process still in the first session of its container or machine belongs to no autogroup: the
    kernel shows nothing for it, and it runs at the default share (0)."""
    text = Path(f"/proc/{pid}/autogroup").read_text().split()
    return int(text[-1]) if text else 0


@pytest.mark.skipif(
    not Path("/proc/self/autogroup").exists(), reason="a kernel without scheduler autogroups"
)
def test_a_niced_worker_runs_in_a_session_of_its_own_lowered_as_a_whole(shared_database, tmp_path):
    worker = JobWorker(database_url=shared_database, log_dir=tmp_path, nice=19)
    try:
        deadline = time.monotonic() + 60
        pid = worker.process.pid
        while time.monotonic() < deadline and os.getsid(pid) != pid:
            time.sleep(0.1)
        while time.monotonic() < deadline and autogroup_niceness(pid) != 19:
            time.sleep(0.1)
        session, group = os.getsid(pid), autogroup_niceness(pid)
    finally:
        worker.stop()

    # Its niceness counts against every other program, not only against those of the session
    # it was started from, and nothing started beside it (this test, a web server) is lowered.
    assert session == worker.process.pid, worker.output()[-2000:]
    assert group == 19
    assert autogroup_niceness(os.getpid()) == 0
