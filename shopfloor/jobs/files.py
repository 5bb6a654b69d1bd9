"""Where a job's file lives while it is written and once it is finished.

A job writes only inside its own work folder, ``EXPORT_ROOT/work/<job id>/`` (XlsxWriter's
temporary files included). The finished file is then moved, in one rename on the same disk, to
``EXPORT_ROOT/<job id>``: a file under that name is always complete. Whatever a killed worker
leaves in a work folder is removed by the housekeeping, as are finished files of jobs that are
gone, cancelled or past their time.
"""

import shutil
from pathlib import Path

from django.conf import settings


def root():
    return Path(settings.EXPORT_ROOT)


def work_dir(job_id):
    """The job's own folder for files being written; made empty."""
    path = root() / "work" / str(job_id)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def finished_path(job_id):
    return root() / str(job_id)


def publish(job_id, written):
    """Move the complete file ``written`` to its finished place; its size in bytes."""
    target = finished_path(job_id)
    written.replace(target)
    return target.stat().st_size


def discard(job_id):
    """Remove the job's work folder and finished file, if any."""
    shutil.rmtree(root() / "work" / str(job_id), ignore_errors=True)
    finished_path(job_id).unlink(missing_ok=True)


def work_ids():
    folder = root() / "work"
    return [path.name for path in folder.iterdir()] if folder.is_dir() else []


def finished_ids():
    folder = root()
    if not folder.is_dir():
        return []
    return [path.name for path in folder.iterdir() if path.is_file()]


def remove_work(job_id):
    shutil.rmtree(root() / "work" / str(job_id), ignore_errors=True)
