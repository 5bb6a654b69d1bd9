"""A real full disk for tests: a small tmpfs mounted in a temporary directory (needs root).

``small_filesystem()`` yields the mounted directory and unmounts it afterwards; ``fill()``
writes a filler file until the filesystem has at most ``leave`` bytes free and returns it.
Writes past that fail with the operating system's own ENOSPC.
"""

import contextlib
import errno
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest


@contextlib.contextmanager
def small_filesystem(size="2m"):
    """A freshly mounted tmpfs of ``size``; skips the test where mounting is not allowed."""
    directory = Path(tempfile.mkdtemp(prefix="shopfloor-disk-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(directory)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode:
        directory.rmdir()
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield directory
    finally:
        subprocess.run(["umount", "-l", str(directory)], capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)


def free_bytes(directory):
    stats = os.statvfs(directory)
    return stats.f_bavail * stats.f_frsize


def fill(directory, leave=8192):
    """Fill ``directory``'s filesystem until at most ``leave`` bytes are free; the filler."""
    filler = Path(directory) / "filler.bin"
    with open(filler, "wb", buffering=0) as output:
        try:
            while True:
                output.write(b"\0" * 65536)
        except OSError as error:
            assert error.errno == errno.ENOSPC, error
    with open(filler, "r+b") as output:
        output.truncate(max(0, filler.stat().st_size - leave))
    return filler
