"""Test support: tests create unit tables at run time, which the test database flush keeps."""

from django.db import connection

from parts.unit_tables import cache
from parts.unit_tables.editor import unit_schema_editor
from parts.unit_tables.naming import part_pk_of_table


def drop_all_unit_tables():
    """Drop every unit table and forget every cached model (between tests only)."""
    cache.forget()
    names = [n for n in connection.introspection.table_names() if part_pk_of_table(n)]
    if names:
        with unit_schema_editor() as editor:
            for name in names:
                editor.execute(f"DROP TABLE {editor.quote_name(name)}")
