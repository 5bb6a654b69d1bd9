"""How many columns a unit table may still get: the database's limit and the slots used.

PostgreSQL allows 1,600 columns per table and counts dropped columns too: ``DROP COLUMN`` only
hides a column, its slot stays taken until the table is rewritten (see ``rebuild``). SQLite
allows ``SQLITE_MAX_COLUMN`` columns (2,000 unless compiled otherwise) and reclaims a dropped
column at once. A procedure whose columns, retired ones included, would pass the limit is
refused by its validation, naming the count, before any DDL runs.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from parts.unit_tables.naming import table_name

POSTGRESQL_MAX_COLUMNS = 1600
SQLITE_MAX_COLUMNS = 2000


@dataclass(frozen=True)
class TableCapacity:
    """``limit`` columns per table; ``dropped`` slots the table's dropped columns still hold."""

    limit: int
    dropped: int = 0


def column_limit():
    """The most columns a table may have in the database in use (``UNIT_TABLE_MAX_COLUMNS``
    lowers it, e.g. for an SQLite built with a smaller SQLITE_MAX_COLUMN)."""
    limit = POSTGRESQL_MAX_COLUMNS if connection.vendor == "postgresql" else SQLITE_MAX_COLUMNS
    configured = getattr(settings, "UNIT_TABLE_MAX_COLUMNS", None)
    return min(limit, configured) if configured else limit


def dropped_column_count(part_pk):
    """Slots of dropped columns the part's unit table still holds (PostgreSQL; 0 elsewhere)."""
    if connection.vendor != "postgresql" or part_pk is None:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_attribute "
            "WHERE attrelid = to_regclass(%s) AND attnum > 0 AND attisdropped",
            [table_name(part_pk)],
        )
        return cursor.fetchone()[0]


def table_capacity(part_pk):
    """The limit and the dropped slots of the part's unit table, for the validation."""
    return TableCapacity(limit=column_limit(), dropped=dropped_column_count(part_pk))
