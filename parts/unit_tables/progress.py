"""How far a long unit-table change has come, for whoever asked to hear it (a job).

A type conversion rewrites every unit's value. Run plainly, it is one ``UPDATE`` of the whole
table; while a listener is set (``reported_to``), it runs in batches of ``BATCH_ROWS`` units by
id and tells the listener the rows done after each, still inside the caller's transaction. The
engine imports nothing from the jobs that listen.
"""

import contextvars
from contextlib import contextmanager

BATCH_ROWS = 20_000

_listener = contextvars.ContextVar("unit_table_progress", default=None)


@contextmanager
def reported_to(listener):
    """Within the block, long changes call ``listener(rows)`` with each batch of rows done."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


def listener():
    """The listener set by ``reported_to``, or None."""
    return _listener.get()
