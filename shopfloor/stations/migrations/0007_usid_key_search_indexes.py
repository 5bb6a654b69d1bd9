"""Indexes that let the unit lookup find USIDs by a part of them, whatever their case.

On PostgreSQL, ``usid_key`` (the USID in lower case) gets a b-tree in byte order (``COLLATE
"C"``: ``LIKE 'abc%'`` is a range of it, read already in the order the lookup lists, so the
first fifty cost the same among a million) and a trigram GIN index (``LIKE '%abc%'``, three
characters or more, without reading every registration). Other databases search without them;
the unique index on ``usid_key`` serves the exact match there.
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS stations_reg_usid_prefix "
    'ON stations_unitregistration ((usid_key COLLATE "C"))',
    "CREATE INDEX IF NOT EXISTS stations_reg_usid_trigram "
    "ON stations_unitregistration USING gin (usid_key gin_trgm_ops)",
]
DROP = [
    "DROP INDEX IF EXISTS stations_reg_usid_trigram",
    "DROP INDEX IF EXISTS stations_reg_usid_prefix",
]


def _on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("stations", "0006_scan_event_indexes")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
