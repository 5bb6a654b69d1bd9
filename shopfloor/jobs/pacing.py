"""Long work that yields to the line: while scans are being recorded, it uses at most a share
of a core and pauses the rest; when the line is quiet it runs at full speed.

A worker started at the lowest priority still runs whenever a core is idle, and on a machine of
two cores its work still slows the scans' (the caches and memory bandwidth they share, the
hypervisor under them, the disk its file goes to), which no niceness prevents. So, the way
PostgreSQL's autovacuum sleeps after each ``vacuum_cost_limit`` of work, the work calls
``LinePacer.step()`` between small pieces (a thousand rows of an export): after each slice of
work it asks whether the line scanned lately and, if so, sleeps long enough that its work takes
at most ``share`` of a core (``EXPORT_LINE_SHARE``).

The work is measured in the CPU time of the thread doing it, not in wall time: on a busy
machine a worker at the lowest priority waits for a core most of the time, and pausing in
proportion to that wait would pause it again for the time it was already kept off the CPU.

Whether the line scans is read by the caller's ``line_mark()``, something that changes with
every scan recorded and costs one indexed read (the newest scan event's id): nothing is added
to the scan's own path. The line counts as scanning for ``QUIET_AFTER`` seconds after a change
was seen, so a line scanning every second or two is yielded to as well as a busy one.

A pause is slept in short naps; after each the job reports its progress (its heartbeat, and how
it learns that it was cancelled) and looks at the line again, resuming early once it is quiet.
The pauses are counted in the job (``pauses``, ``paused_seconds``), and its time estimate, rows
done over the time since it started, includes them.
"""

import time

SLICE = 0.05  # seconds of CPU time of work between looks at the line
NAP = 0.5  # seconds of a pause between progress reports and looks at the line
QUIET_AFTER = 3.0  # seconds without a new scan after which the line counts as quiet


class LinePacer:
    """Paces work against the line: call ``step()`` between pieces of work."""

    def __init__(
        self,
        *,
        share,
        line_mark,
        progress,
        clock=time.monotonic,
        work_clock=time.thread_time,
        sleep=time.sleep,
    ):
        self.share = share
        self.line_mark = line_mark
        self.progress = progress
        self.clock = clock
        self.work_clock = work_clock
        self.sleep = sleep
        self.mark = line_mark() if share < 1 else None
        self.scanned_at = None  # when a new scan was last seen
        self.scanning = False  # whether the line scanned when last looked at
        self.worked_at = work_clock()  # the work's CPU time at the end of the last pause

    def line_scanning(self):
        mark = self.line_mark()
        now = self.clock()
        if mark != self.mark:
            self.mark, self.scanned_at = mark, now
        return self.scanned_at is not None and now - self.scanned_at < QUIET_AFTER

    def step(self):
        """Between two pieces of work: pause if the line is scanning and the work has had its
        share of a core since the last pause."""
        if self.share >= 1:
            return
        worked = self.work_clock() - self.worked_at
        if worked < SLICE:
            return
        self.scanning = self.line_scanning()
        if self.scanning:
            self._pause(worked * (1 - self.share) / self.share)
        self.worked_at = self.work_clock()

    def _pause(self, seconds):
        until = self.clock() + seconds
        self.progress.pauses += 1
        while (left := until - self.clock()) > 0:
            napped_at = self.clock()
            self.sleep(min(left, NAP))
            self.progress.paused_seconds += self.clock() - napped_at
            self.progress.save()  # raises JobStopped once the job is cancelled
            if not self.line_scanning():
                self.scanning = False
                return
