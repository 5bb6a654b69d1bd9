"""The indexes that find units by their tag, whatever its letter case, and how to query them.

Every unit table gets, besides its primary key and the unique USID:

- ``parts_unit_<pk>_tag``: a b-tree on the tag as written, for the exact matches that pair a
  tag at a scan (is it free?) and filter a part's unit list.
- ``parts_unit_<pk>_tag_key``: a b-tree on the tag in lower case. On PostgreSQL in byte order
  (``COLLATE "C"``), so a whole tag is one probe and ``LIKE 'abc%'`` is a range of it, read in
  the order the lookup lists; on SQLite on ``lower(tag_no)``.
- ``parts_unit_<pk>_tag_trgm`` (PostgreSQL with ``pg_trgm``): a trigram GIN index on the tag in
  lower case, for ``LIKE '%abc%'`` (three characters or more) without reading every unit.

``tag_index_statements`` creates them (``IF NOT EXISTS``: safe to run on any table, any number
of times); the engine runs it after every schema change, a migration runs it on the tables
that existed before, and the drift check reports a table without them. The lookup queries
through ``with_tag_keys`` so its SQL spells the indexed expressions exactly.
"""

from django.db import models
from django.db.models.functions import Collate, Lower

from parts.unit_tables.naming import table_name

TAG_COLUMN = "tag_no"


def tag_index_name(part_pk):
    """The b-tree index of the tag as written."""
    return f"{table_name(part_pk)}_tag"


def tag_key_index_name(part_pk):
    """The b-tree index of the tag in lower case."""
    return f"{table_name(part_pk)}_tag_key"


def tag_trigram_index_name(part_pk):
    """The trigram index of the tag in lower case (PostgreSQL with pg_trgm only)."""
    return f"{table_name(part_pk)}_tag_trgm"


def has_trigram(connection):
    """Whether trigram indexes can be made here (PostgreSQL with the pg_trgm extension)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        return cursor.fetchone() is not None


def expected_tag_indexes(connection, part_pk):
    """The names of the tag indexes a unit table should have on this database."""
    names = [tag_index_name(part_pk), tag_key_index_name(part_pk)]
    if has_trigram(connection):
        names.append(tag_trigram_index_name(part_pk))
    return names


def tag_index_statements(connection, part_pk):
    """The SQL that creates the missing tag indexes of part ``part_pk``'s unit table."""
    quote = connection.ops.quote_name
    table = quote(table_name(part_pk))
    tag = quote(TAG_COLUMN)
    key = quote(tag_key_index_name(part_pk))
    statements = [f"CREATE INDEX IF NOT EXISTS {quote(tag_index_name(part_pk))} ON {table} ({tag})"]
    if connection.vendor != "postgresql":
        return [*statements, f"CREATE INDEX IF NOT EXISTS {key} ON {table} (lower({tag}))"]
    statements.append(f'CREATE INDEX IF NOT EXISTS {key} ON {table} ((lower({tag}) COLLATE "C"))')
    if has_trigram(connection):
        trigram = quote(tag_trigram_index_name(part_pk))
        statements.append(
            f"CREATE INDEX IF NOT EXISTS {trigram} ON {table} USING gin (lower({tag}) gin_trgm_ops)"
        )
    return statements


def ensure_tag_indexes(connection, part_pk):
    """Create the tag indexes part ``part_pk``'s unit table lacks (none when it has them)."""
    with connection.cursor() as cursor:
        for statement in tag_index_statements(connection, part_pk):
            cursor.execute(statement)


def tag_model_indexes(connection, part_pk):
    """The b-trees as model indexes, so a table Django remakes on SQLite gets them back."""
    expression = Lower(TAG_COLUMN)
    if connection.vendor == "postgresql":
        expression = Collate(expression, "C")
    return [
        models.Index(fields=[TAG_COLUMN], name=tag_index_name(part_pk)),
        models.Index(expression, name=tag_key_index_name(part_pk)),
    ]


def with_tag_keys(units, connection):
    """``units`` annotated with ``tag_key`` (the tag in lower case, in the b-tree's order:
    filter it exactly or by ``__startswith``, order by it) and ``tag_lower`` (filter it by
    ``__contains``, which the trigram index serves)."""
    key = Lower(TAG_COLUMN)
    if connection.vendor == "postgresql":
        key = Collate(key, "C")
    return units.annotate(tag_key=key, tag_lower=Lower(TAG_COLUMN))
