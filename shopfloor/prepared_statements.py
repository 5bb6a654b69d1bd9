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

Elsewhere (SQLite), or with ``DATABASE_PREPARED_STATEMENTS=false`` (a connection pooler in
transaction mode), it is the connection's ordinary cursor.
"""

import contextlib
import functools

from django.db import DEFAULT_DB_ALIAS, connections


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


def _server_binding_cursor(connection):
    # Imported here: the PostgreSQL backend needs psycopg, which SQLite alone does not.
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, ServerBindingCursor
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    cursor = ServerBindingCursor(connection.connection)
    # As DatabaseWrapper.create_cursor: the connection's time zone, if its loader disagrees.
    tzloader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    if connection.timezone != tzloader.timezone:
        register_tzloader(connection.timezone, cursor)
    return cursor
