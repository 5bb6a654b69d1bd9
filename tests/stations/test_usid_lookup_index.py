"""A scan finds its unit through a b-tree, never through the trigram index kept for searching.

pg_trgm's GIN operator class also answers ``=``. Where it covered the plain USID key, the planner
could take it for a scan's exact lookup (it did on a registry never analysed), and each lookup
then read the posting lists of every trigram and the index's pending list of new entries:
scans slowed as units were registered, 5-15 ms a lookup with 15,000 of them. The tests take
other ways out of the planner's reach inside their transaction (the b-trees dropped, put back
when it rolls back; the whole table read), so a plan shows which index can serve the statement.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shopfloor.scanning.selectors import unit_lookup
from shopfloor.scanning.sql import registration_row
from shopfloor.stations.models import UnitRegistration

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's"),
]

TRIGRAM = "stations_reg_usid_trigram"


def without_the_usid_key_btrees():
    table = UnitRegistration._meta.db_table
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
        for name, about in constraints.items():
            if about["columns"] != ["usid_key"] or about.get("type") == "gin":
                continue
            if about["unique"]:
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            else:
                cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute('DROP INDEX IF EXISTS "stations_reg_usid_prefix"')


def plans_of(statements, *off):
    """The plans of the statements run by ``statements()``, reading the whole table (and the
    plans named by ``off``) out of reach."""
    with CaptureQueriesContext(connection) as ran:
        statements()
    plans = []
    with connection.cursor() as cursor:
        for plan in ("seqscan", *off):
            cursor.execute(f"SET LOCAL enable_{plan} = off")
        for query in ran.captured_queries:
            cursor.execute(f"EXPLAIN {query['sql']}")
            plans.append((query["sql"], "\n".join(row[0] for row in cursor.fetchall())))
    return plans


def test_a_scans_lookup_of_its_unit_cannot_take_the_trigram_index(part):
    without_the_usid_key_btrees()
    UnitRegistration.objects.create(usid="PWR-0001", part=part)

    plans = plans_of(lambda: registration_row("pwr-0001"))
    plans += plans_of(lambda: UnitRegistration.objects.find("pwr-0001"))

    assert len(plans) == 2
    assert all(TRIGRAM not in plan for _sql, plan in plans), plans
    # and the unit is still found, the slow way
    assert registration_row("pwr-0001")[0] == "PWR-0001"
    assert UnitRegistration.objects.find("pwr-0001").usid == "PWR-0001"


def test_the_unit_search_finds_a_usid_by_a_part_of_it_through_the_trigram_index(part):
    UnitRegistration.objects.create(usid="PWR-0001", part=part)

    # A b-tree read whole in order is out of reach too: only the trigram index can narrow it.
    plans = plans_of(lambda: unit_lookup(text="R-00", plans=[]), "indexscan", "indexonlyscan")

    inside = [plan for sql, plan in plans if "LIKE '%r-00%'" in sql]
    assert len(inside) == 1, [sql for sql, _plan in plans]
    assert TRIGRAM in inside[0]
    assert [match.usid for match in unit_lookup(text="R-00", plans=[])] == ["PWR-0001"]
