"""Saving a procedure creates the part's unit table at once, whichever way it is saved."""

import keyword

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from parts.models import ModelPart
from parts.unit_tables import NoUnitTable
from procedures.models import PartProcedureDetail
from tests.unit_tables.support import SMD_QC, columns_of, config, stage, table_exists

pytestmark = pytest.mark.django_db

EXPECTED_COLUMNS = {
    "id",
    "usid",
    "tag_no",
    "on_hold",
    "created_at",
    "updated_at",
    "is_smd",
    "smd_at",
    "smd_by_id",
    "smd_result",
    "is_qc",
    "qc_at",
    "qc_by_id",
    "f_firmware",
    "f_voltage",
    "f_colour",
}

WITH_FIELDS = config(
    stage("smd", result="pass_fail"),
    stage("qc"),
    fields=[
        {"key": "firmware", "label": "Firmware", "type": "text"},
        {"key": "voltage", "label": "Voltage", "type": "decimal"},
        {"key": "colour", "label": "Colour", "type": "choice", "choices": ["red", "blue"]},
    ],
)


def test_applying_a_procedure_creates_the_unit_table_with_its_columns(part, apply, engineer):
    procedure = apply(part, WITH_FIELDS)

    assert set(columns_of(f"parts_unit_{part.pk}")) == EXPECTED_COLUMNS
    assert procedure.version == 1
    assert procedure.updated_by == engineer


def test_objects_create_also_creates_the_unit_table(part):
    PartProcedureDetail.objects.create(model_part=part, procedure_config=SMD_QC)

    assert "is_qc" in columns_of(f"parts_unit_{part.pk}")
    assert part.unit_model().objects.count() == 0


def test_the_unit_model_stores_units_with_the_right_types(part, apply):
    apply(part, WITH_FIELDS)
    Unit = part.unit_model()

    unit = Unit.objects.create(usid="U000123", tag_no="T-55", f_voltage="3.30", f_colour="red")
    unit.refresh_from_db()

    assert Unit.__name__ == "EICS112_Part"
    assert Unit._meta.db_table == f"parts_unit_{part.pk}"
    assert (unit.is_smd, unit.is_qc, unit.on_hold) == (False, False, False)
    assert str(unit.f_voltage) == "3.300000"
    assert unit.created_at is not None
    assert [s["key"] for s in Unit.unit_stages] == ["smd", "qc"]


def test_usid_is_unique_in_the_unit_table(part, apply):
    from django.db import IntegrityError, transaction

    apply(part, SMD_QC)
    Unit = part.unit_model()
    Unit.objects.create(usid="U1")

    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(usid="U1")


def test_a_part_without_procedure_has_no_unit_model(part):
    with pytest.raises(NoUnitTable, match="EICS112_Part has no unit table yet"):
        part.unit_model()


def test_an_invalid_procedure_touches_nothing(part, apply):
    with pytest.raises(ValidationError, match=r'stages\[1\].key: "QC" cannot be a key'):
        apply(part, config(stage("smd"), stage("QC")))

    assert not PartProcedureDetail.objects.exists()
    assert not table_exists(f"parts_unit_{part.pk}")


def test_a_table_left_by_a_deleted_procedure_is_never_overwritten(part, apply):
    from parts.unit_tables import UnitTableError

    apply(part, SMD_QC)
    part.unit_model().objects.create(usid="U1")
    PartProcedureDetail.objects.all().delete()

    with pytest.raises(UnitTableError, match="already has a unit table"):
        apply(part, config(stage("testing")))

    assert not PartProcedureDetail.objects.exists()
    assert "is_testing" not in columns_of(f"parts_unit_{part.pk}")


def test_renaming_a_part_keeps_its_table_and_renames_its_class(part, apply):
    apply(part, SMD_QC)
    part.unit_model().objects.create(usid="U1")

    part.part_no = "EICS113_Part"
    part.save()

    assert part.unit_model().__name__ == "EICS113_Part"
    assert part.unit_model()._meta.db_table == f"parts_unit_{part.pk}"
    assert part.unit_model().objects.get().usid == "U1"


def test_parts_whose_names_sanitise_alike_have_separate_tables(make_part, apply):
    dash, space = make_part("EICS-112"), make_part("EICS 112")
    apply(dash, SMD_QC)
    apply(space, config(stage("testing")))

    dash.unit_model().objects.create(usid="U-dash")
    space.unit_model().objects.create(usid="U-space")

    assert dash.unit_model().__name__ == space.unit_model().__name__ == "EICS_112"
    assert dash.unit_model()._meta.db_table != space.unit_model()._meta.db_table
    assert list(dash.unit_model().objects.values_list("usid", flat=True)) == ["U-dash"]
    assert list(space.unit_model().objects.values_list("usid", flat=True)) == ["U-space"]
    assert "is_testing" not in columns_of(dash.unit_model()._meta.db_table)


HOSTILE_PART_NOS = [
    'DROP TABLE "parts_modelpart"; --',
    "select",
    "Robert'); DELETE FROM parts_unit_1;--",
    'quote"double',
    "Öl-Filter ÄÖÜ 7",
    "部品番号-42",
    "123-starts-with-digit",
    "class",
    "X" * 200,
    "   ",
    "user",
]


@pytest.mark.parametrize("part_no", HOSTILE_PART_NOS)
def test_hostile_part_numbers_get_a_working_table_and_a_valid_class_name(make_part, apply, part_no):
    part = make_part(part_no)
    apply(part, SMD_QC)
    Unit = part.unit_model()

    Unit.objects.create(usid="U1", is_smd=True)

    assert Unit.__name__.isidentifier()
    assert not keyword.iskeyword(Unit.__name__)
    assert len(Unit.__name__) <= 84
    assert Unit.objects.filter(is_smd=True).count() == 1
    assert ModelPart.objects.count() == 1


def test_stage_keys_that_are_sql_words_work(part, apply):
    apply(part, config(stage("select"), stage("from"), stage("table"), stage("order")))
    Unit = part.unit_model()

    Unit.objects.create(usid="U1", is_select=True, is_order=True)

    assert Unit.objects.filter(is_select=True, is_from=False, is_order=True).count() == 1


def test_the_test_database_leaves_no_unit_table_behind():
    # Runs after the tests above: each test's unit tables were dropped when it ended.
    leftovers = [n for n in connection.introspection.table_names() if n.startswith("parts_unit_")]

    assert leftovers == []
