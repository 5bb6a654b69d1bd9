"""The scan's statements run as prepared statements on PostgreSQL: planned once per connection.

Django's psycopg backend binds parameters in the client and turns psycopg's prepared statements
off, so PostgreSQL parses and plans every statement afresh. A scan's statements are the same
every time but for their values, and planning them cost PostgreSQL more than running them (the
scan screen's read of session, person and station: about 1 ms to plan, 0.1 ms to run).
``prepared_cursor()`` is the cursor the scan path executes them with:

- On PostgreSQL it is a psycopg cursor binding parameters on the server, wrapped by Django's
  own cursor wrapper (so Django's execute wrappers, error translation and query logging apply:
  a statement counts once, as before). psycopg prepares a statement the second time the
  connection executes it (``prepare_threshold`` 1 in the settings: a statement seen once, such
  as the unit table of a part scanned now and then, is never prepared) and from then on sends
  only its name and values. The first execution costs what it did; the second one more round
  trip (the statement is prepared, then run); every later one no planning at all. A statement
  is kept per kind of its values (a NULL or a value, a small or a large integer): a handful.
- psycopg keeps at most ``prepared_max`` (100) prepared statements per connection, the least
  recently used deallocated first, so thousands of parts' unit tables do not pile up. Its
  bookkeeping lives with the connection: a connection closed and opened again (CONN_MAX_AGE, a
  failed health check, PostgreSQL restarted) starts with none; a rollback (a scan refused
  after its transaction began: a stage out of order) or a DROP or ALTER run on the connection
  deallocates them all (psycopg's own caution: one more round trip), and they are prepared
  again from their next uses. A failed statement is not kept prepared.
- PostgreSQL plans a prepared statement again by itself when a table it reads changes; a
  statement naming a column since dropped fails as the unprepared one would. The parameters'
  types, though, are fixed when it is prepared: statements on a unit table therefore carry the
  schema's fingerprint (``schema``), so a procedure change that gives a column another type
  (same name, other type) is a new statement.
- Parameters are bound by the server: a ``str`` or ``None`` goes as text of unknown type and
  takes the type of where it is used (a column, an INSERT's target), as a literal does.
- A prepared statement's plan is made for the tables as they were then, and PostgreSQL makes it
  again only when a table's statistics change (ANALYZE, VACUUM) or its definition does. A plan
  made while a table was nearly empty (a new installation, a new part's unit table) reads it
  whole, and would go on reading it whole as it grows to thousands of rows until the next
  ANALYZE, which may be a minute away, or never where autovacuum is off (seen: the USID lookup
  of a registration took 4 to 10 ms of the database's CPU instead of 0.05). So each statement
  is sent with a mark of its plan's age (``/* plan N */``): a new mark, a new statement, planned
  for the tables as they are now, after its 10th, 100th and 1,000th run in the process (a table
  a process fills has grown by then) and every ``PLAN_MINUTES`` minutes (what other processes
  add). The old ones leave psycopg's bounded set as any least recently used statement does.

Elsewhere (SQLite), or with ``DATABASE_PREPARED_STATEMENTS=false`` (a connection pooler in
transaction mode), it is the connection's ordinary cursor.
"""

import contextlib
import functools
import time

from django.db import DEFAULT_DB_ALIAS, connections

PLAN_MINUTES = 1  # a prepared statement planned again at least this often
PLAN_RUNS = (10, 100, 1000)  # and after this many runs of it in the process
# {statement: its runs in this process, up to the last of PLAN_RUNS}
_runs = {}
RUNS_KEPT = 4096


def prepares(connection=None):
    """Whether ``connection`` (the default database's) runs the scan's statements prepared."""
    if connection is None:
        connection = connections[DEFAULT_DB_ALIAS]
    return (
        connection.vendor == "postgresql"
        and connection.settings_dict["OPTIONS"].get("prepare_threshold") is not None
    )


def prepared_cursor(connection=None):
    """A cursor of ``connection`` (the default database's) whose statements PostgreSQL prepares
    once they repeat; the ordinary cursor where it does not (``prepares``)."""
    if connection is None:  # the connection itself: ``django.db.connection`` looks it up each use
        connection = connections[DEFAULT_DB_ALIAS]
    if not prepares(connection):
        return connection.cursor()
    # What BaseDatabaseWrapper.cursor() does, with the server-binding cursor class.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = _server_binding_cursor(connection)
    connection.validate_thread_sharing()
    if connection.queries_logged:
        return _logged(cursor, connection)
    return connection.make_cursor(cursor)


def with_schema(sql, schema):
    """``sql`` marked with the unit table's schema fingerprint ``schema``, when prepared: a
    schema that changed a column's type is a new statement, with the new types."""
    if not schema or not prepares():
        return sql
    return _marked(sql, schema)


@functools.lru_cache(maxsize=4096)
def _marked(sql, schema):
    # The same text object for the same statement: psycopg keys what it knows of a statement
    # (its conversion, its prepared name) by the text, whose hash a string keeps once computed.
    return f"{sql} /* schema {''.join(filter(str.isalnum, schema))} */"


def _logged(cursor, connection):
    return _logging_wrapper()(cursor, connection)


@functools.cache
def _logging_wrapper():
    """Django's logging cursor wrapper, logging each statement with its values written in as
    the client-binding cursor's statements are logged (Django reads those from the cursor,
    which a server-binding cursor does not keep)."""
    from django.db.backends.postgresql.base import CursorDebugWrapper

    class Logged(CursorDebugWrapper):
        def debug_sql(self, sql=None, params=None, use_last_executed_query=False, many=False):
            if use_last_executed_query and not many:
                # Values it cannot write (the statement then fails anyway): logged as sent.
                with contextlib.suppress(Exception):
                    sql = self.db.ops.compose_sql(sql, params)
            return super().debug_sql(sql, params, many=many)

    return Logged


def plan_mark(sql, *, now=None):
    """``sql`` with the mark of its plan's age (see the module's docstring): the same text
    until the statement has run 10, 100, 1,000 times in this process or a new
    ``PLAN_MINUTES`` period began."""
    runs = _runs.get(sql, 0)
    if runs < PLAN_RUNS[-1]:
        if len(_runs) >= RUNS_KEPT:
            _runs.clear()
        _runs[sql] = runs + 1
    age = sum(runs >= limit for limit in PLAN_RUNS)
    period = int((time.monotonic() if now is None else now) // (PLAN_MINUTES * 60))
    return _marked_plan(sql, f"{age}.{period}")


@functools.lru_cache(maxsize=4096)
def _marked_plan(sql, mark):
    # One text object per statement and mark, as ``_marked``.
    return f"{sql} /* plan {mark} */"


@functools.cache
def _cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PlanMarkingCursor(ServerBindingCursor):
        """Sends each statement with the mark of its plan's age (``plan_mark``)."""

        def execute(self, query, params=None, **kwargs):
            return super().execute(plan_mark(query), params, **kwargs)

    return PlanMarkingCursor


def _server_binding_cursor(connection):
    # Imported here: the PostgreSQL backend needs psycopg, which SQLite alone does not.
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    cursor = _cursor_class()(connection.connection)
    # As DatabaseWrapper.create_cursor: the connection's time zone, if its loader disagrees.
    tzloader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    if connection.timezone != tzloader.timezone:
        register_tzloader(connection.timezone, cursor)
    return cursor
