"""The indexes a procedure asks for on its unit table: a unique index per unique field, a plain
index on the time column of each stage that records measurements. Created and dropped by the
live migration, kept when SQLite copies a table to change a column, and known to
`manage.py unit_tables check|sync`."""

import pytest
from django.db import IntegrityError, connection, transaction

from tests.unit_tables.support import config, stage
from tests.unit_tables.test_command import by_hand, run

pytestmark = pytest.mark.django_db(transaction=True)

MAC = {"key": "mac", "label": "MAC address", "type": "text", "unique": True}
VOLTAGE = {
    "key": "v_out",
    "label": "Output voltage",
    "type": "measurement",
    "unit": "V",
    "stage": "testing",
}
MEASURED = config(stage("smd"), stage("testing", result="pass_fail"), fields=[MAC, VOLTAGE])


def indexes_of(part):
    """``{index name: (columns, unique)}`` of the part's unit table, as the database has them."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, f"parts_unit_{part.pk}")
    return {
        name: (tuple(c["columns"]), c["unique"])
        for name, c in found.items()
        if c["index"] or c["unique"]
    }


def test_a_stage_gets_an_index_on_its_time_once_it_records_a_measurement(part, apply):
    apply(part, config(stage("smd"), stage("testing", result="pass_fail")))
    assert f"parts_unit_{part.pk}_testing_at_idx" not in indexes_of(part)

    apply(part, MEASURED)
    assert indexes_of(part)[f"parts_unit_{part.pk}_testing_at_idx"] == (("testing_at",), False)
    assert indexes_of(part)[f"parts_unit_{part.pk}_f_mac_uniq"] == (("f_mac",), True)
    assert f"parts_unit_{part.pk}_smd_at_idx" not in indexes_of(part)

    apply(part, config(stage("smd"), stage("testing", result="pass_fail"), fields=[MAC]))
    assert f"parts_unit_{part.pk}_testing_at_idx" not in indexes_of(part)
    assert run("check")[1] is None


def test_a_new_table_is_made_with_its_indexes(part, apply):
    apply(part, MEASURED)

    assert f"parts_unit_{part.pk}_testing_at_idx" in indexes_of(part)
    assert f"parts_unit_{part.pk}_f_mac_uniq" in indexes_of(part)
    assert run("check")[1] is None


def test_the_indexes_survive_a_column_change_that_copies_the_table(part, apply):
    notes = {"key": "notes", "label": "Notes", "type": "text"}
    apply(part, {**MEASURED, "fields": [MAC, VOLTAGE, notes]})
    part.unit_model().objects.create(usid="U1", f_mac="AA", f_notes="12")

    # text to integer: SQLite copies the whole table into a new one to change the type.
    apply(part, {**MEASURED, "fields": [MAC, VOLTAGE, {**notes, "type": "integer"}]})

    assert indexes_of(part)[f"parts_unit_{part.pk}_testing_at_idx"] == (("testing_at",), False)
    assert indexes_of(part)[f"parts_unit_{part.pk}_f_mac_uniq"] == (("f_mac",), True)
    with pytest.raises(IntegrityError), transaction.atomic():
        part.unit_model().objects.create(usid="U2", f_mac="AA")
    assert run("check")[1] is None


def drop_index(part, name):
    by_hand(part, lambda editor, Unit: editor.execute(f"DROP INDEX {editor.quote_name(name)}"))


def test_lost_indexes_are_reported_by_check_and_recreated_by_sync(part, apply):
    apply(part, MEASURED)
    part.unit_model().objects.create(usid="U1", f_mac="AA")
    unique, plain = f"parts_unit_{part.pk}_f_mac_uniq", f"parts_unit_{part.pk}_testing_at_idx"
    drop_index(part, unique)
    drop_index(part, plain)

    out, error = run("check")
    assert f'column "f_mac" has lost its unique index ({unique})' in out
    assert f'column "testing_at" has lost its index ({plain})' in out
    assert "2 difference(s)" in error

    out, error = run("sync")
    assert error is None
    assert out.count("repaired:") == 2
    assert indexes_of(part)[unique] == (("f_mac",), True)
    assert indexes_of(part)[plain] == (("testing_at",), False)
    with pytest.raises(IntegrityError), transaction.atomic():
        part.unit_model().objects.create(usid="U2", f_mac="AA")
    assert run("check")[1] is None


def test_a_lost_unique_index_is_not_recreated_while_units_share_a_value(part, apply):
    apply(part, MEASURED)
    unique = f"parts_unit_{part.pk}_f_mac_uniq"
    drop_index(part, unique)
    Unit = part.unit_model()
    Unit.objects.bulk_create([Unit(usid="U1", f_mac="AA"), Unit(usid="U2", f_mac="AA")])

    out, _error = run("sync")

    assert f"not repaired: {part.part_no} (part {part.pk}" in out
    assert "units share its values" in out
    assert unique not in indexes_of(part)
    assert 'column "f_mac" has lost its unique index' in run("check")[0]
    Unit.objects.filter(usid="U2").update(f_mac="BB")
    assert run("sync")[1] is None
    assert indexes_of(part)[unique] == (("f_mac",), True)
