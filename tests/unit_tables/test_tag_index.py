"""Every unit table keeps an index of its tags in lower case, and the tag lookup uses it."""

import re
from importlib import import_module

import pytest
from django.db import connection

from parts.unit_tables.builder import build_model
from parts.unit_tables.editor import unit_schema_editor
from parts.unit_tables.rebuild import unit_table_rebuild
from parts.unit_tables.tag_index import has_trigram, with_tag_keys
from tests.unit_tables.support import SMD_QC, config, stage
from tests.unit_tables.test_command import run

pytestmark = pytest.mark.django_db(transaction=True)

TAGGED = config(
    stage("smd", result="pass_fail"),
    stage("qc"),
    fields=[{"key": "lot", "label": "Lot", "type": "text"}],
)


def index_names(part):
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, f"parts_unit_{part.pk}"))


def tag_indexes(part):
    wanted = {f"parts_unit_{part.pk}_tag", f"parts_unit_{part.pk}_tag_key"}
    if connection.vendor == "postgresql":
        assert has_trigram(connection), "migration stations 0007 installs pg_trgm"
        wanted.add(f"parts_unit_{part.pk}_tag_trgm")
    return wanted


def drop_tag_indexes(part):
    with connection.cursor() as cursor:
        for name in tag_indexes(part):
            cursor.execute(f'DROP INDEX "{name}"')


@pytest.fixture
def tagged(part, apply):
    apply(part, TAGGED)
    Unit = part.unit_model()
    Unit.objects.create(usid="U1", tag_no="Tag-Alpha-001", f_lot="7")
    Unit.objects.create(usid="U2", tag_no="TAG-beta-002", f_lot="8")
    return part


def tags_found(part, **lookup):
    units = with_tag_keys(part.unit_model().objects.all(), connection)
    return sorted(units.filter(**lookup).values_list("usid", flat=True))


def test_a_new_unit_table_has_its_tag_indexes(tagged):
    assert tag_indexes(tagged) <= index_names(tagged)


def test_a_new_stage_and_a_type_change_keep_the_tag_indexes_and_the_units(tagged, apply):
    apply(tagged, config(stage("smd", result="pass_fail"), stage("qc"), stage("pack")))
    apply(
        tagged,
        config(
            stage("smd", result="pass_fail"),
            stage("qc"),
            stage("pack"),
            fields=[{"key": "lot", "label": "Lot", "type": "integer"}],
        ),
    )

    assert tag_indexes(tagged) <= index_names(tagged)
    assert tags_found(tagged, tag_key="tag-beta-002") == ["U2"]
    assert tagged.unit_model().objects.get(usid="U1").f_lot == 7


def test_tags_are_found_whole_by_their_start_and_by_a_part_in_any_case(tagged):
    assert tags_found(tagged, tag_key="tag-alpha-001") == ["U1"]
    assert tags_found(tagged, tag_key__startswith="tag-") == ["U1", "U2"]
    assert tags_found(tagged, tag_lower__contains="beta") == ["U2"]
    assert tags_found(tagged, tag_lower__contains="%") == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="Django remakes tables on SQLite only")
def test_a_table_sqlite_remakes_keeps_its_tag_index_and_units(tagged):
    Unit = build_model(part=tagged, columns={})

    with unit_schema_editor() as editor:
        editor._remake_table(Unit)  # what Django does for a change SQLite cannot ALTER

    assert tag_indexes(tagged) <= index_names(tagged)
    assert tags_found(tagged, tag_key="tag-alpha-001") == ["U1"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="rebuilds run on PostgreSQL")
def test_a_rebuild_keeps_the_tag_indexes_under_their_names(tagged):
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE parts_unit_{tagged.pk} ADD COLUMN gone int")
        cursor.execute(f"ALTER TABLE parts_unit_{tagged.pk} DROP COLUMN gone")

    assert unit_table_rebuild(tagged) == 1
    assert tag_indexes(tagged) <= index_names(tagged)
    assert tags_found(tagged, tag_lower__contains="alpha") == ["U1"]


def test_the_drift_check_reports_a_missing_tag_index_and_sync_restores_it(tagged):
    drop_tag_indexes(tagged)

    out, error = run("check")
    assert f'index "parts_unit_{tagged.pk}_tag_key" of the tag is missing' in out
    assert error

    run("sync")
    assert tag_indexes(tagged) <= index_names(tagged)
    assert run("check")[1] is None


def test_the_migration_gives_tables_made_before_it_their_tag_indexes(tagged, part, apply):
    other = type(part).objects.create(model_no="OLD", part_no="OLD_Part")
    apply(other, SMD_QC)
    drop_tag_indexes(tagged)
    drop_tag_indexes(other)
    migration = import_module("parts.migrations.0004_unit_table_tag_indexes")

    with connection.schema_editor(atomic=False) as editor:
        migration.create_tag_indexes(None, editor)
        migration.create_tag_indexes(None, editor)  # a second run finds them and adds nothing

    assert tag_indexes(tagged) <= index_names(tagged)
    assert tag_indexes(other) <= index_names(other)


def plan_of(queryset):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET enable_seqscan = off")  # a two-unit table is read whole otherwise
        try:
            return queryset.explain()
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("RESET enable_seqscan")


def test_the_tag_lookup_reads_the_tag_indexes(tagged):
    units = with_tag_keys(tagged.unit_model().objects.all(), connection).order_by()
    key_index = f"parts_unit_{tagged.pk}_tag_key"

    assert key_index in plan_of(units.filter(tag_key="tag-alpha-001"))
    exact = plan_of(units.filter(tag_no="Tag-Alpha-001"))
    assert re.search(rf"\bparts_unit_{tagged.pk}_tag\b", exact)
    if connection.vendor == "postgresql":
        assert key_index in plan_of(units.filter(tag_key__startswith="tag-").order_by("tag_key"))
        inside = units.filter(tag_lower__contains="bet")
        assert f"parts_unit_{tagged.pk}_tag_trgm" in plan_of(inside)
