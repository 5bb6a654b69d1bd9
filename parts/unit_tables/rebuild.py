"""Rebuilding a unit table to give back the slots of its dropped columns (PostgreSQL).

PostgreSQL never reuses the slot of a dropped column: a table whose procedure changed often
can reach its 1,600-column limit with far fewer live columns (``capacity.py``). Rebuilding
copies the table into a fresh one holding only its live columns, with the same rows, ids,
defaults, constraints, indexes (under their old names) and foreign keys, then puts it in the
old one's place, all in one transaction: it succeeds whole or changes nothing. Scans of the
part wait while it runs (the table is locked), so run it when the line is quiet.

SQLite gives a dropped column's slot back at once, so there it has nothing to do.
"""

from django.db import connection, transaction

from parts.unit_tables.capacity import dropped_column_count
from parts.unit_tables.naming import table_name

COPY_BATCH_ROWS = 10_000


def unit_table_rebuild(part, progress=None):
    """Rebuild ``part``'s unit table without its dropped columns; returns the slots freed.

    ``progress(copied, total)`` is called after each batch of rows copied (and once at the
    end), so a job or a command can report how far it is.
    """
    report = progress or (lambda copied, total: None)
    if connection.vendor != "postgresql":
        report(0, 0)
        return 0
    table = table_name(part.pk)
    fresh = f"{table}_rebuild"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
        freed = dropped_column_count(part.pk)
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        total = cursor.fetchone()[0]
        if not freed:
            report(total, total)
            return 0
        indexes = _index_names_by_definition(cursor, table)
        foreign_keys = _foreign_keys(cursor, table)
        cursor.execute(f'CREATE TABLE "{fresh}" (LIKE "{table}" INCLUDING ALL)')
        copied = last_id = 0
        while True:
            cursor.execute(
                f'INSERT INTO "{fresh}" OVERRIDING SYSTEM VALUE '
                f'SELECT * FROM "{table}" WHERE id > %s ORDER BY id LIMIT %s RETURNING id',
                [last_id, COPY_BATCH_ROWS],
            )
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                break
            copied += len(ids)
            last_id = max(ids)
            report(copied, total)
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
            f'COALESCE((SELECT max(id) FROM "{fresh}"), 0) + 1, false)',
            [fresh],
        )
        cursor.execute(f'DROP TABLE "{table}"')
        cursor.execute(f'ALTER TABLE "{fresh}" RENAME TO "{table}"')
        for definition, name in _index_names_by_definition(cursor, table).items():
            if definition in indexes and indexes[definition] != name:
                cursor.execute(f'ALTER INDEX "{name}" RENAME TO "{indexes[definition]}"')
        for name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    report(total, total)
    return freed


def _index_names_by_definition(cursor, table):
    """{index definition with the table and index names left out: index name}."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        "AND tablename = %s",
        [table],
    )
    found = {}
    for name, definition in cursor.fetchall():
        shape = definition.split(" USING ", 1)[-1]
        unique = definition.startswith("CREATE UNIQUE")
        found[(unique, shape)] = name
    return found


def _foreign_keys(cursor, table):
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = to_regclass(%s) AND contype = 'f' ORDER BY conname",
        [table],
    )
    return cursor.fetchall()
