"""The pacer's arithmetic, on clocks the test moves: while the line scans, work at a share s
of a core is followed by a pause of (1 - s) / s times its CPU time; on a quiet line, none."""

import pytest

from shopfloor.jobs.pacing import QUIET_AFTER, SLICE, LinePacer
from shopfloor.jobs.runner import JobStopped


class Clocks:
    def __init__(self):
        self.wall = 100.0
        self.cpu = 5.0
        self.slept = []

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.wall += seconds


class Progress:
    def __init__(self, cancel_after=None):
        self.pauses, self.paused_seconds, self.saves = 0, 0.0, 0
        self.cancel_after = cancel_after

    def save(self):
        self.saves += 1
        if self.cancel_after is not None and self.saves > self.cancel_after:
            raise JobStopped


def pacer(clocks, progress, marks, share=0.25):
    marks = iter(marks)
    return LinePacer(
        share=share,
        line_mark=lambda: next(marks),
        progress=progress,
        clock=lambda: clocks.wall,
        work_clock=lambda: clocks.cpu,
        sleep=clocks.sleep,
    )


def work(clocks, seconds):
    clocks.cpu += seconds
    clocks.wall += seconds


def test_while_the_line_scans_work_at_a_quarter_share_is_followed_by_three_times_its_time():
    clocks, progress = Clocks(), Progress()
    paced = pacer(clocks, progress, marks=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10])

    work(clocks, 0.1)
    paced.step()

    assert sum(clocks.slept) == pytest.approx(0.3)
    assert (progress.pauses, progress.paused_seconds) == (1, pytest.approx(0.3))


def test_on_a_quiet_line_the_work_never_pauses():
    clocks, progress = Clocks(), Progress()
    paced = pacer(clocks, progress, marks=[7] * 20)

    for _n in range(10):
        work(clocks, 0.2)
        paced.step()

    assert clocks.slept == [] and progress.pauses == 0


def test_a_line_that_stopped_scanning_a_while_ago_counts_as_quiet():
    clocks, progress = Clocks(), Progress()
    paced = pacer(clocks, progress, marks=[1, 2] + [2] * 20)
    work(clocks, 0.1)
    paced.step()  # a scan seen: paused
    pauses = progress.pauses

    clocks.wall += QUIET_AFTER
    work(clocks, 0.1)
    paced.step()

    assert pauses == 1 and progress.pauses == 1


def test_time_kept_off_the_cpu_is_not_counted_as_work():
    clocks, progress = Clocks(), Progress()
    paced = pacer(clocks, progress, marks=[1, 2, 3])

    clocks.wall += 10  # waiting for a core on a busy machine
    work(clocks, 2 * SLICE)
    paced.step()

    assert sum(clocks.slept) == pytest.approx(6 * SLICE)


def test_a_pause_is_cut_short_once_the_job_is_cancelled():
    clocks, progress = Clocks(), Progress(cancel_after=2)
    paced = pacer(clocks, progress, marks=range(1, 100), share=0.001)

    work(clocks, 1)
    with pytest.raises(JobStopped):
        paced.step()

    assert len(clocks.slept) == 3 and max(clocks.slept) <= 0.5


def test_a_share_of_one_never_looks_at_the_line():
    clocks, progress = Clocks(), Progress()
    paced = pacer(clocks, progress, marks=[], share=1)

    work(clocks, 5)
    paced.step()

    assert clocks.slept == []
