"""Test support: tests create unit tables at run time, which the test database flush keeps."""

import time

from django.db import OperationalError, connection

from parts.unit_tables import cache
from parts.unit_tables.editor import unit_schema_editor
from parts.unit_tables.naming import part_pk_of_table


def drop_all_unit_tables():
    """Drop every unit table and forget every cached model (between tests only).

    A live server's thread may still be answering a request that a browser page sent just
    before the test closed it; on SQLite's shared in-memory test database that request's read
    locks its table ("database table is locked") for the moment it lasts, so the drop is tried
    again for a few seconds."""
    cache.forget()
    deadline = time.monotonic() + 10
    while True:
        names = [n for n in connection.introspection.table_names() if part_pk_of_table(n)]
        if not names:
            return
        try:
            with unit_schema_editor() as editor:
                for name in names:
                    editor.execute(f"DROP TABLE {editor.quote_name(name)}")
            return
        except OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.1)
