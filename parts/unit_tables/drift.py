"""Compares every procedure's applied schema with the real table, and repairs the drift.

Drift happens when someone changes the database by hand (drops a table or column, changes a
type) or restores an old backup. ``find_differences`` lists it; ``repair`` fixes what it can
without losing data: it creates missing tables and columns, converts wrong types (refusing,
like a procedure change, when values would not convert) and restores the USID uniqueness, the
tag indexes (``tag_index``), the unique indexes of unique fields (refusing while units share a
value) and the indexes on measured stages' time columns.
Columns nobody asked for are reported and left alone: they may hold someone's data.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from parts.unit_tables.builder import build_model, column_field
from parts.unit_tables.conversion import convert_column
from parts.unit_tables.editor import unit_schema_editor
from parts.unit_tables.naming import part_pk_of_table, table_name
from parts.unit_tables.schema import Conversion, schema_columns
from parts.unit_tables.tag_index import expected_tag_indexes, tag_index_statements

FAMILIES = {
    "AutoField": "auto",
    "BigAutoField": "auto",
    "SmallAutoField": "auto",
    "IntegerField": "integer",
    "BigIntegerField": "integer",
    "SmallIntegerField": "integer",
    "PositiveIntegerField": "integer",
    "PositiveBigIntegerField": "integer",
    "PositiveSmallIntegerField": "integer",
    "CharField": "text",
    "TextField": "text",
    "DecimalField": "decimal",
    "FloatField": "decimal",
    "BooleanField": "boolean",
    "DateField": "date",
    "DateTimeField": "datetime",
}
# Which column type stands for a family when data has to be converted back.
CONVERTIBLE = {
    "text": "text",
    "integer": "integer",
    "decimal": "decimal",
    "boolean": "boolean",
    "date": "date",
}


@dataclass
class Difference:
    part: object
    problem: str  # missing_table, missing_column, wrong_type, usid_not_unique, extra_column, ...
    column: str = ""
    expected: str = ""
    actual: str = ""
    repairable: bool = True

    def __str__(self):
        where = f"{self.part.part_no} (part {self.part.pk}, table {table_name(self.part.pk)})"
        text = {
            "missing_table": "the unit table is missing",
            "missing_column": f'column "{self.column}" is missing (expected {self.expected})',
            "wrong_type": f'column "{self.column}" is {self.actual}, expected {self.expected}',
            "usid_not_unique": 'column "usid" has no unique constraint',
            "tag_not_indexed": f'index "{self.expected}" of the tag is missing (finding units '
            "by tag reads the whole table)",
            "missing_unique_index": f'column "{self.column}" has lost its unique index '
            f"({self.expected}): two units could be given the same value",
            "missing_index": f'column "{self.column}" has lost its index ({self.expected}): '
            "the part dashboard reads the whole table",
            "extra_column": f'column "{self.column}" ({self.actual}) is not part of the '
            "procedure; kept, drop it by hand if it is not needed",
            "not_applied": "the procedure was never applied; save it to create the table",
        }[self.problem]
        return f"{where}: {text}"


@dataclass
class OrphanTable:
    table: str

    repairable = False

    def __str__(self):
        return f"table {self.table}: no procedure uses it (its part or procedure is gone); kept"


def _expected_model(procedure):
    return build_model(part=procedure.model_part, columns=schema_columns(procedure.applied_schema))


def _family(internal_type):
    return FAMILIES.get(internal_type, internal_type)


def differences_of(procedure):
    """The differences between one procedure's applied schema and its table."""
    part = procedure.model_part
    if not procedure.schema_fingerprint:
        return [Difference(part, "not_applied", repairable=False)]
    name = table_name(part.pk)
    if name not in connection.introspection.table_names():
        return [Difference(part, "missing_table")]
    model = _expected_model(procedure)
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, name)
        constraints = connection.introspection.get_constraints(cursor, name)
    actual = {
        row.name: _family(connection.introspection.get_field_type(row.type_code, row))
        for row in description
    }
    found = []
    for field in model._meta.fields:
        expected = _family(field.get_internal_type())
        if field.column not in actual:
            found.append(Difference(part, "missing_column", field.column, expected))
        elif actual[field.column] != expected:
            found.append(
                Difference(
                    part,
                    "wrong_type",
                    field.column,
                    expected,
                    actual[field.column],
                    repairable=expected in CONVERTIBLE and actual[field.column] in CONVERTIBLE,
                )
            )
    if "usid" in actual and not any(
        c["unique"] and c["columns"] == ["usid"] for c in constraints.values()
    ):
        found.append(Difference(part, "usid_not_unique"))
    if "tag_no" in actual:
        found += [
            Difference(part, "tag_not_indexed", "tag_no", expected=index)
            for index in expected_tag_indexes(connection, part.pk)
            if index not in constraints
        ]
    found += _missing_indexes(part, model, actual, constraints)
    known = {field.column for field in model._meta.fields}
    found += [
        Difference(part, "extra_column", column, actual=family, repairable=False)
        for column, family in actual.items()
        if column not in known
    ]
    return found


def _missing_indexes(part, model, actual, constraints):
    """The unique indexes of unique fields and the plain indexes of measured stages' time
    columns that the table lacks (an index on the column is enough, whatever its name)."""
    found = []
    indexed = {tuple(c["columns"]) for c in constraints.values() if c["index"] or c["unique"]}
    unique = {tuple(c["columns"]) for c in constraints.values() if c["unique"]}
    for constraint in model._meta.constraints:
        (column,) = constraint.fields
        if column in actual and (column,) not in unique:
            found.append(Difference(part, "missing_unique_index", column, constraint.name))
    for index in model._meta.indexes:
        if len(index.fields) != 1 or index.fields == ["tag_no"]:
            continue  # the tag's indexes are checked with the tag (``tag_index``)
        (column,) = index.fields
        if column in actual and (column,) not in indexed:
            found.append(Difference(part, "missing_index", column, index.name))
    return found


def find_differences(procedures):
    """Every difference of every procedure, plus unit tables no procedure owns."""
    found = []
    owned = set()
    for procedure in procedures:
        owned.add(table_name(procedure.model_part_id))
        found += differences_of(procedure)
    found += [
        OrphanTable(name)
        for name in sorted(connection.introspection.table_names())
        if part_pk_of_table(name) is not None and name not in owned
    ]
    return found


def repair(procedure):
    """Fix what can be fixed of one procedure's table; return what was done, in words."""
    done = []
    with transaction.atomic():
        type(procedure).objects.select_for_update().filter(pk=procedure.pk).first()
        procedure.refresh_from_db()
        differences = [d for d in differences_of(procedure) if d.repairable]
        if not differences:
            return done
        model = _expected_model(procedure)
        with unit_schema_editor() as editor:
            for difference in differences:
                _repair_one(editor, model, procedure, difference)
                done.append(f"repaired: {difference}")
    return done


def _repair_one(editor, model, procedure, difference):
    if difference.problem == "missing_table":
        editor.create_model(model)
        for statement in tag_index_statements(connection, procedure.model_part_id):
            editor.execute(statement)
    elif difference.problem == "missing_column":
        editor.add_field(model, model._meta.get_field(difference.column))
    elif difference.problem == "usid_not_unique":
        # A unique index, not a constraint: SQLite would copy the table to add a constraint,
        # and the copy would leave out columns the procedure does not know.
        table = model._meta.db_table
        editor.execute(
            f"CREATE UNIQUE INDEX {editor.quote_name(table + '_usid_unique')} "
            f"ON {editor.quote_name(table)} ({editor.quote_name('usid')})"
        )
    elif difference.problem == "tag_not_indexed":
        for statement in tag_index_statements(connection, procedure.model_part_id):
            editor.execute(statement)  # IF NOT EXISTS: the second missing index is a no-op
    elif difference.problem in ("missing_unique_index", "missing_index"):
        _repair_index(editor, model, difference)
    elif difference.problem == "wrong_type":
        spec = schema_columns(procedure.applied_schema)[difference.column]
        old_type = CONVERTIBLE[difference.actual]
        old_field = column_field(difference.column, {"type": old_type})
        old_field.model = model
        new_field = model._meta.get_field(difference.column)
        conversion = Conversion(
            difference.column, "repair", old_type, spec["type"], spec.get("choices")
        )
        try:
            convert_column(
                editor=editor,
                model=model,
                old_field=old_field,
                new_field=new_field,
                conversion=conversion,
                key=f'"{difference.column}"',
            )
        except ValidationError as error:
            raise ValidationError(f"{difference}: {error.messages[0]}") from error


def _repair_index(editor, model, difference):
    """Re-create a lost index from the model's declaration; a unique one is refused while units
    share a value (they must be given different values first)."""
    declared = [*model._meta.indexes, *model._meta.constraints]
    (wanted,) = [item for item in declared if item.name == difference.expected]
    try:
        with transaction.atomic():
            if difference.problem == "missing_index":
                editor.add_index(model, wanted)
            else:
                editor.add_constraint(model, wanted)
    except IntegrityError as error:
        raise ValidationError(
            f"{difference}: units share its values; give them different values, then run the "
            "check again"
        ) from error
