"""Where a job's file lives while it is written and once it is finished.

A job writes only inside its own work folder, ``EXPORT_ROOT/work/<job id>/`` (XlsxWriter's
temporary files included). The finished file is then moved, in one rename on the same disk, to
``EXPORT_ROOT/<job id>``: a file under that name is always complete. Whatever a killed worker
leaves in a work folder is removed by the housekeeping, as are finished files of jobs that are
gone, cancelled or past their time.
"""

import ctypes
import ctypes.util
import os
import shutil
import sys
from contextlib import contextmanager
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


FLUSH_EVERY = 4 * 1024 * 1024  # bytes written between two writes to the disk


def _sync_file_range():
    """Linux's ``sync_file_range`` (not in ``os``): writes out one range of a file and waits
    for it, where ``fdatasync`` would write out all of it; None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        call = libc.sync_file_range
    except (OSError, AttributeError):
        return None
    call.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    return call


_range_sync = _sync_file_range()
SYNC_RANGE_AND_WAIT = 1 | 2 | 4  # SYNC_FILE_RANGE_WAIT_BEFORE | _WRITE | _WAIT_AFTER


def _datasync(fd):
    getattr(os, "fdatasync", os.fsync)(fd)


def _write_out(fd, start, length, *, drop=True):
    """Put ``length`` bytes of the open file ``fd`` from ``start`` on the disk, waiting for
    them, and drop them from the page cache (unless it will be read again)."""
    if _range_sync is None or _range_sync(fd, start, length, SYNC_RANGE_AND_WAIT) != 0:
        _datasync(fd)
    if drop and hasattr(os, "posix_fadvise"):
        os.posix_fadvise(fd, start, length, os.POSIX_FADV_DONTNEED)


class WrittenThrough:
    """A file written to the disk as it goes, a few MB at a time, and kept out of the page
    cache: the kernel never holds much of it unwritten.

    Left to itself, the kernel writes a file back ``dirty_expire_centisecs`` (30 s) after it
    was written, in bursts every few seconds; each of the database's commits (a WAL flush)
    waits behind what the disk was given before it, so the scans' commits slow at every burst.
    Here every ``FLUSH_EVERY`` bytes are written out and waited for (the worker may wait: the
    job is background work), then dropped from the page cache (``POSIX_FADV_DONTNEED``: nobody
    reads them here again, and they would push out pages the database uses); ``between()`` is
    called after each (the job's pacing). Closing it flushes the file whole (``fdatasync``), so
    a file offered is on the disk.
    """

    def __init__(self, path, *, between=None, flush_every=FLUSH_EVERY):
        self.file = open(path, "wb")  # noqa: SIM115 (closed by close() or the with block)
        self.between = between
        self.flush_every = flush_every
        self.flushed = 0  # bytes already on the disk and out of the cache
        self.written = 0

    def write(self, data):
        self.file.write(data)
        self.written += len(data)
        while self.written - self.flushed >= self.flush_every:
            self._write_out(self.flush_every)
        return len(data)

    def _write_out(self, length):
        self.file.flush()
        _write_out(self.file.fileno(), self.flushed, length)
        self.flushed += length
        if self.between is not None:
            self.between()

    def close(self):
        if self.file.closed:
            return
        try:
            if self.written > self.flushed:
                self._write_out(self.written - self.flushed)
            _datasync(self.file.fileno())
        finally:
            self.file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if exc[0] is not None:
            self.file.close()  # unfinished: the job's work folder is discarded
        else:
            self.close()


def write_back(path, *, between=None, flush_every=FLUSH_EVERY):
    """Put a file another writer has just written (the Excel writer writes its whole file at
    the end) on the disk the same way, a few MB at a time, instead of leaving the kernel to
    write it in bursts."""
    with open(path, "rb") as written:
        fd = written.fileno()
        size = os.fstat(fd).st_size
        for start in range(0, size, flush_every):
            _write_out(fd, start, min(flush_every, size - start))
            if between is not None:
                between()
        _datasync(fd)


@contextmanager
def temporary_files_in(folder):
    """Let libraries of this process put their temporary files in ``folder`` (``TMPDIR``)
    meanwhile: the Excel writer keeps its sheets' rows in one until it writes the file."""
    before = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(folder)
    try:
        yield
    finally:
        if before is None:
            del os.environ["TMPDIR"]
        else:
            os.environ["TMPDIR"] = before


class OpenFilesWrittenThrough:
    """The files this process holds open in ``folder``, written out a few MB at a time as they
    grow (and kept in the page cache: the writer reads them back): call ``step()`` between
    pieces of work, each writes out at most one piece.

    For what a library writes itself: the Excel writer keeps a sheet's rows, as uncompressed
    XML many times the size of the file it makes, in a temporary file it unlinks at once, and
    zips it at the end; an export paced for the line runs long enough that the kernel would
    write that out in its bursts. Linux only (it reads ``/proc/self/fd``); elsewhere nothing.
    """

    def __init__(self, folder, *, flush_every=FLUSH_EVERY):
        self.prefix = os.path.join(str(folder), "")
        self.flush_every = flush_every
        self.flushed = {}  # (fd, inode): bytes written out

    def step(self):
        try:
            entries = list(os.scandir("/proc/self/fd"))
        except OSError:
            return
        for entry in entries:
            try:
                if not os.readlink(entry.path).startswith(self.prefix):
                    continue
                fd = int(entry.name)
                status = os.fstat(fd)
            except (OSError, ValueError):
                continue
            key = (fd, status.st_ino)
            done = self.flushed.get(key, 0)
            if status.st_size - done >= self.flush_every:  # one piece a step: no burst
                _write_out(fd, done, self.flush_every, drop=False)
                self.flushed[key] = done + self.flush_every
