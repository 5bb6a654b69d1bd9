"""Signals of the job queue."""

from django.dispatch import Signal

# Sent after each round of ``jobs_housekeeping``; apps whose jobs leave marks elsewhere (e.g.
# a part's "procedure being changed" flag) tidy them here after a worker died mid-job.
housekeeping_done = Signal()
