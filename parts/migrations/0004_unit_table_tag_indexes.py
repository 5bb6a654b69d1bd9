"""Give the unit tables made before it the tag indexes new tables get (``tag_index``).

Unit tables are made at run time, one per part, so no model migration reaches them: this one
lists the tables in the database and creates what each lacks (``IF NOT EXISTS``; a table
made later gets them from the engine). It follows the stations migration that installs
``pg_trgm`` on PostgreSQL, so the trigram index is made there too.
"""

from django.db import migrations

from parts.unit_tables.naming import part_pk_of_table
from parts.unit_tables.tag_index import (
    ensure_tag_indexes,
    tag_index_name,
    tag_key_index_name,
    tag_trigram_index_name,
)


def _unit_table_pks(connection):
    names = connection.introspection.table_names()
    return [pk for pk in map(part_pk_of_table, names) if pk is not None]


def create_tag_indexes(apps, schema_editor):
    connection = schema_editor.connection
    for part_pk in _unit_table_pks(connection):
        ensure_tag_indexes(connection, part_pk)


def drop_tag_indexes(apps, schema_editor):
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    for part_pk in _unit_table_pks(connection):
        names = (tag_index_name, tag_key_index_name, tag_trigram_index_name)
        for name in (name_of(part_pk) for name_of in names):
            schema_editor.execute(f"DROP INDEX IF EXISTS {quote(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("parts", "0003_part_change_permissions"),
        ("stations", "0007_usid_key_search_indexes"),
    ]

    operations = [migrations.RunPython(create_tag_indexes, drop_tag_indexes)]
