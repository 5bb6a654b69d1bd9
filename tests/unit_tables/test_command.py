"""`manage.py unit_tables check|sync`: drift between procedures and real tables, and its repair."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from parts.unit_tables.builder import build_model, column_field
from parts.unit_tables.editor import unit_schema_editor
from tests.unit_tables.support import columns_of, config, stage

pytestmark = pytest.mark.django_db

WITH_COUNT = config(
    stage("smd"), stage("qc"), fields=[{"key": "count", "label": "Count", "type": "integer"}]
)


def run(action):
    from io import StringIO

    out = StringIO()
    try:
        call_command("unit_tables", action, stdout=out, stderr=out)
    except CommandError as error:
        return out.getvalue(), str(error)
    return out.getvalue(), None


def by_hand(part, change):
    """Change a unit table behind the application's back, as a person with psql would."""
    Unit = build_model(part=part, columns={})
    with unit_schema_editor() as editor:
        change(editor, Unit)


@pytest.fixture
def applied(part, apply):
    apply(part, WITH_COUNT)
    part.unit_model().objects.create(usid="U1", is_smd=True, f_count=5)
    return part


def test_check_finds_nothing_when_tables_match(applied):
    out, error = run("check")

    assert error is None
    assert "1 unit table(s) match their procedures." in out


def test_a_table_dropped_by_hand_is_reported_then_recreated_by_sync(applied):
    table = f"parts_unit_{applied.pk}"
    by_hand(applied, lambda editor, Unit: editor.execute(f"DROP TABLE {editor.quote_name(table)}"))

    out, error = run("check")
    assert f"EICS112_Part (part {applied.pk}, table {table}): the unit table is missing" in out
    assert "1 difference(s)" in error
    assert applied.unit_model().__name__ == "EICS112_Part"  # still builds, nothing crashes

    out, error = run("sync")
    assert error is None
    assert "repaired:" in out
    assert "is_qc" in columns_of(table)
    applied.unit_model().objects.create(usid="U2")
    again, error = run("sync")
    assert error is None and "repaired" not in again


def test_missing_extra_and_wrong_type_columns_are_listed_and_repaired(applied):
    table = f"parts_unit_{applied.pk}"

    def tamper(editor, Unit):
        editor.remove_field(Unit, column_field("is_qc", {"type": "flag"}))
        editor.remove_field(Unit, column_field("f_count", {"type": "integer"}))
        editor.add_field(Unit, column_field("f_count", {"type": "text"}))
        editor.add_field(Unit, column_field("notes", {"type": "text"}))
        editor.execute(f"UPDATE {editor.quote_name(table)} SET f_count = ' 8 '")

    by_hand(applied, tamper)

    out, error = run("check")
    assert 'column "is_qc" is missing (expected boolean)' in out
    assert 'column "f_count" is text, expected integer' in out
    assert 'column "notes" (text) is not part of the procedure; kept' in out
    assert "3 difference(s)" in error

    out, error = run("sync")
    assert "repaired: EICS112_Part (part" in out
    unit = applied.unit_model().objects.get()
    assert (unit.is_qc, unit.f_count) == (False, 8)
    assert "notes" in columns_of(table)
    out, error = run("check")
    assert out.strip().endswith("kept, drop it by hand if it is not needed")
    assert "1 difference(s)" in error


def test_a_lost_usid_uniqueness_is_restored(applied):
    def drop_unique(editor, Unit):
        plain = Unit._meta.get_field("usid").clone()
        plain._unique = False
        plain.set_attributes_from_name("usid")
        editor.alter_field(Unit, Unit._meta.get_field("usid"), plain)

    by_hand(applied, drop_unique)

    out, _error = run("check")
    assert 'column "usid" has no unique constraint' in out
    run("sync")
    assert run("check")[1] is None


def test_a_table_without_procedure_is_reported_and_kept(db):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE parts_unit_987654 (id integer)")

    out, _error = run("sync")

    assert "table parts_unit_987654: no procedure uses it" in out
    assert "parts_unit_987654" in connection.introspection.table_names()
