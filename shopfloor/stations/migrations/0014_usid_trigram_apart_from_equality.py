"""The USID trigram index moves onto the byte-ordered key, where an exact lookup cannot reach it.

pg_trgm's GIN operator class also answers ``=``; on the plain ``usid_key`` the planner could
pick it for a scan's exact lookup of a unit (``usid_key IN (...)``), where it reads the posting
lists of every trigram and, until a vacuum, the index's whole pending list of new entries: a
lookup grew to 5-15 ms with 15,000 registrations, against 0.05 ms on a b-tree. Built on
``usid_key COLLATE "C"`` (the expression the unit lookup already searches by), only a query
spelling that expression uses it: the lookup's ``LIKE '%abc%'``, never an exact match.
"""

from importlib import import_module

from django.db import migrations

CREATE_ON_KEY = (
    "CREATE INDEX IF NOT EXISTS stations_reg_usid_trigram "
    "ON stations_unitregistration USING gin (usid_key gin_trgm_ops)"
)
CREATE_ON_BYTE_ORDERED_KEY = (
    "CREATE INDEX IF NOT EXISTS stations_reg_usid_trigram "
    'ON stations_unitregistration USING gin ((usid_key COLLATE "C") gin_trgm_ops)'
)
DROP = "DROP INDEX IF EXISTS stations_reg_usid_trigram"


# Run on PostgreSQL only, as the indexes were made.
_on_postgresql = import_module(
    "shopfloor.stations.migrations.0007_usid_key_search_indexes"
)._on_postgresql


class Migration(migrations.Migration):
    dependencies = [("stations", "0013_language")]

    operations = [
        migrations.RunPython(
            _on_postgresql([DROP, CREATE_ON_BYTE_ORDERED_KEY]),
            _on_postgresql([DROP, CREATE_ON_KEY]),
        )
    ]
