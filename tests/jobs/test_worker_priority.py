"""``jobs_worker --nice N`` runs below the web server's priority, and so does the database
process serving it when the database is on the same machine: scans go first."""

import os
import time

import pytest
from django.db import connection

from tests.support.servers import JobWorker

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a database process to nice"),
]


def niceness(pid):
    return os.getpriority(os.PRIO_PROCESS, pid)


def database_processes():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


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
