"""Changing a procedure migrates its unit table in the same call, and never loses data."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procedures.models import PartProcedureDetail
from procedures.services import procedure_drop_retired_column, procedure_preview
from tests.unit_tables.support import SMD_QC, columns_of, config, stage

pytestmark = pytest.mark.django_db

DDL = re.compile(r"^\s*(CREATE|ALTER|DROP)\b", re.IGNORECASE)


def ddl_statements(queries):
    return [q["sql"] for q in queries if DDL.match(q["sql"])]


def field(key, type_, **extra):
    return {"key": key, "label": key.title(), "type": type_, **extra}


def test_a_new_stage_adds_its_columns_and_keeps_every_unit(part, apply):
    apply(part, SMD_QC)
    part.unit_model().objects.create(usid="U1", is_smd=True)

    apply(part, config(stage("smd", result="pass_fail"), stage("qc"), stage("testing")))
    unit = part.unit_model().objects.get(usid="U1")

    assert (unit.is_smd, unit.is_testing, unit.testing_at) == (True, False, None)


def test_adding_and_retiring_columns_alters_the_table_in_place_without_copying_it(part, apply):
    apply(part, SMD_QC)

    with CaptureQueriesContext(connection) as queries:
        apply(part, config(stage("smd", result="pass_fail"), stage("testing", result="pass_fail")))

    statements = ddl_statements(queries.captured_queries)
    assert statements and all(s.lstrip().upper().startswith("ALTER TABLE") for s in statements)


def test_a_removed_stage_is_retired_hidden_and_its_data_kept(part, apply):
    apply(part, SMD_QC)
    part.unit_model().objects.create(usid="U1", is_qc=True)

    procedure = apply(part, config(stage("smd", result="pass_fail")))

    assert "is_qc" not in [f.name for f in part.unit_model()._meta.fields]
    assert "is_qc" in columns_of(f"parts_unit_{part.pk}")
    assert procedure.applied_schema["columns"]["is_qc"]["retired"] is True
    part.unit_model().objects.create(usid="U2")  # inserts work without the hidden column


def test_re_adding_a_removed_stage_brings_its_data_back(part, apply):
    apply(part, SMD_QC)
    part.unit_model().objects.create(usid="U1", is_qc=True)
    apply(part, config(stage("smd", result="pass_fail")))

    apply(part, SMD_QC)

    assert part.unit_model().objects.get(usid="U1").is_qc is True


def test_a_label_change_runs_no_ddl_but_shows_the_new_label(part, apply):
    apply(part, SMD_QC)

    with CaptureQueriesContext(connection) as queries:
        apply(part, config(stage("smd", "Surface mount", result="pass_fail"), stage("qc")))

    assert ddl_statements(queries.captured_queries) == []
    assert part.unit_model()._meta.get_field("is_smd").verbose_name == "Surface mount"


def test_saving_an_unchanged_procedure_runs_no_ddl_and_keeps_its_version(part, apply):
    first = apply(part, SMD_QC)

    with CaptureQueriesContext(connection) as queries:
        again = apply(part, SMD_QC)

    assert ddl_statements(queries.captured_queries) == []
    assert again.version == first.version
    assert again.schema_fingerprint == first.schema_fingerprint


def test_the_preview_lists_the_planned_changes_with_units_holding_data(part, apply):
    apply(part, config(stage("smd"), stage("qc"), fields=[field("serial", "text")]))
    part.unit_model().objects.create(usid="U1", is_qc=True, f_serial="12")
    part.unit_model().objects.create(usid="U2")

    plan = procedure_preview(
        part=part,
        config=config(stage("smd", result="pass_fail"), fields=[field("serial", "integer")]),
    ).as_dict()

    assert plan["added"] == ["smd_result"]
    assert {"column": "is_qc", "units_holding_data": 1} in plan["retired"]
    assert plan["converted"] == [{"column": "f_serial", "from": "text", "to": "integer"}]
    assert "smd_result" not in columns_of(f"parts_unit_{part.pk}")  # nothing applied


@pytest.mark.parametrize(
    ("old", "new", "values", "expected"),
    [
        ("text", "integer", [" 12 ", "-3", None], [12, -3, None]),
        ("text", "decimal", ["3.25", "7"], ["3.250000", "7.000000"]),
        ("text", "boolean", ["yes", "False", "1"], [True, False, True]),
        ("text", "date", ["2026-02-28"], ["2026-02-28"]),
        ("integer", "text", [42], ["42"]),
        ("boolean", "integer", [True, False], [1, 0]),
        ("decimal", "integer", ["4.000"], [4]),
    ],
)
def test_a_type_change_converts_the_data(part, apply, old, new, values, expected):
    apply(part, config(stage("smd"), fields=[field("reading", old)]))
    for index, value in enumerate(values):
        part.unit_model().objects.create(usid=f"U{index}", f_reading=value)

    apply(part, config(stage("smd"), fields=[field("reading", new)]))
    Unit = part.unit_model()
    stored = [Unit.objects.get(usid=f"U{i}").f_reading for i in range(len(values))]

    assert [None if v is None else str(v) for v in stored] == [
        None if v is None else str(v) for v in expected
    ]


def test_a_type_change_that_would_lose_data_is_refused_with_the_count(part, apply):
    apply(part, config(stage("smd"), fields=[field("serial", "text")]))
    Unit = part.unit_model()
    for usid, serial in [("U1", "12"), ("U2", "abc"), ("U3", "4.5"), ("U4", "abc")]:
        Unit.objects.create(usid=usid, f_serial=serial)

    with pytest.raises(ValidationError) as refused:
        apply(part, config(stage("smd"), stage("qc"), fields=[field("serial", "integer")]))

    assert refused.value.messages[0].startswith(
        'fields[0].type: cannot change "serial" from text to integer: 3 units hold values '
        "that are not whole numbers"
    )
    procedure = PartProcedureDetail.objects.get()
    assert procedure.procedure_config["fields"][0]["type"] == "text"
    assert "is_qc" not in columns_of(f"parts_unit_{part.pk}")  # nothing half-applied
    assert not any(c.startswith("tmp_") for c in columns_of(f"parts_unit_{part.pk}"))
    assert sorted(part.unit_model().objects.values_list("f_serial", flat=True)) == [
        "12",
        "4.5",
        "abc",
        "abc",
    ]


def test_removing_a_choice_that_units_hold_is_refused_with_the_count(part, apply):
    colour = field("colour", "choice", choices=["red", "blue"])
    apply(part, config(stage("smd"), fields=[colour]))
    part.unit_model().objects.create(usid="U1", f_colour="blue")

    with pytest.raises(ValidationError, match="1 unit holds values that are not among the choices"):
        apply(part, config(stage("smd"), fields=[{**colour, "choices": ["red", "green"]}]))

    apply(part, config(stage("smd"), fields=[{**colour, "choices": ["red", "blue", "green"]}]))
    assert part.unit_model()._meta.get_field("f_colour").choices[-1] == ("green", "green")


def test_a_retired_field_re_added_with_another_type_is_restored_and_converted(part, apply):
    apply(part, config(stage("smd"), fields=[field("count", "text")]))
    part.unit_model().objects.create(usid="U1", f_count="7")
    apply(part, config(stage("smd")))

    apply(part, config(stage("smd"), fields=[field("count", "integer")]))

    assert part.unit_model().objects.get().f_count == 7


def test_dropping_a_retired_column_is_a_separate_confirmed_action(part, apply, engineer):
    apply(part, SMD_QC)
    part.unit_model().objects.create(usid="U1", is_qc=True)
    apply(part, config(stage("smd", result="pass_fail")))

    with pytest.raises(ValidationError, match="type the column name to confirm"):
        procedure_drop_retired_column(part=part, column="is_qc", confirmation="", user=engineer)
    assert "is_qc" in columns_of(f"parts_unit_{part.pk}")

    procedure = procedure_drop_retired_column(
        part=part, column="is_qc", confirmation="is_qc", user=engineer
    )

    assert "is_qc" not in columns_of(f"parts_unit_{part.pk}")
    assert "is_qc" not in procedure.applied_schema["columns"]
    assert part.unit_model().objects.get().usid == "U1"


def test_a_column_in_use_cannot_be_dropped(part, apply, engineer):
    apply(part, SMD_QC)

    with pytest.raises(ValidationError, match="it is in use by stage qc"):
        procedure_drop_retired_column(
            part=part, column="is_qc", confirmation="is_qc", user=engineer
        )

    assert "is_qc" in columns_of(f"parts_unit_{part.pk}")


def test_retiring_a_column_that_holds_data_must_be_confirmed_by_name(part, apply):
    from procedures.services import procedure_retirements_to_confirm

    apply(part, config(stage("smd"), stage("qc")))
    part.unit_model().objects.create(usid="U1", is_qc=True)
    smd_only = config(stage("smd"))

    asked = procedure_retirements_to_confirm(part=part, config=smd_only)
    wrong = procedure_retirements_to_confirm(part=part, config=smd_only, confirmed="qc_at")
    confirmed = procedure_retirements_to_confirm(part=part, config=smd_only, confirmed="is_qc")

    assert asked == {"is_qc": 1}
    assert wrong == {"is_qc": 1}
    assert confirmed == {}
