"""Runs a ``SchemaPlan`` against the database: creates, extends and converts unit tables.

Called by the procedure code inside its transaction, after it locked the procedure row:
the row update and every DDL statement commit together or not at all. Signals go out once
the transaction commits.
"""

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from parts.unit_tables import signals
from parts.unit_tables.builder import build_model, column_field
from parts.unit_tables.conversion import check_choices, convert_column
from parts.unit_tables.editor import unit_schema_editor
from parts.unit_tables.exceptions import UnitTableError
from parts.unit_tables.naming import table_name


def _key(spec):
    return f'"{spec["owner"].partition(":")[2]}"'


def table_model(part, columns):
    """A model covering every given column, for schema changes and raw counts."""
    return build_model(part=part, columns=columns)


def apply_plan(*, part, plan, applied_schema):
    """Make ``part``'s unit table match ``plan.schema``.

    Raises ``ValidationError`` when a type change meets data that does not convert, and
    ``UnitTableBusy`` when the table stays locked past the lock timeout; in both cases the
    savepoint around the change leaves the table as it was.
    """
    old_columns = (applied_schema or {}).get("columns", {})
    new_columns = plan.schema["columns"]
    if plan.runs_ddl or plan.converted:
        with unit_schema_editor() as editor:
            if plan.create_table:
                _refuse_to_overwrite(part)
                editor.create_model(table_model(part, new_columns))
            else:
                model = table_model(part, old_columns)
                for name in plan.added:
                    field = column_field(name, new_columns[name])
                    field.model = model
                    editor.add_field(model, field)
                for conversion in plan.converted:
                    _convert(editor, model, conversion, old_columns, new_columns)
    _send_on_commit(part, plan)


def _refuse_to_overwrite(part):
    name = table_name(part.pk)
    if name in connection.introspection.table_names():
        raise UnitTableError(
            f"{part.part_no} already has a unit table ({name}) that no procedure describes, "
            "left by a deleted procedure; nothing was changed. `manage.py unit_tables check` "
            "lists it: keep its data elsewhere or drop it, then save the procedure again."
        )


def _convert(editor, model, conversion, old_columns, new_columns):
    name = conversion.column
    spec = new_columns[name]
    if conversion.needs_ddl:
        old_field = model._meta.get_field(name)
        new_field = column_field(name, spec)
        new_field.model = model
        convert_column(
            editor=editor,
            model=model,
            old_field=old_field,
            new_field=new_field,
            conversion=conversion,
            key=_key(spec),
        )
    elif conversion.choices:
        quote = editor.quote_name
        with connection.cursor() as cursor:
            check_choices(
                cursor, quote, quote(model._meta.db_table), conversion, _key(spec), quote(name)
            )


def _send_on_commit(part, plan):
    def send():
        from parts.unit_tables.cache import unit_model_for

        model = unit_model_for(part)
        sender = type(part)
        if plan.create_table:
            signals.unit_table_created.send(sender=sender, part=part, model=model)
        elif plan.changes_schema:
            signals.unit_table_changed.send(sender=sender, part=part, model=model, plan=plan)
        for column in plan.retired:
            signals.unit_column_retired.send(sender=sender, part=part, column=column)

    if plan.changes_schema:
        transaction.on_commit(send)


def count_units_holding_data(part, plan, applied_schema):
    """For each column the plan retires, how many units hold data in it (for the preview)."""
    columns = (applied_schema or {}).get("columns", {})
    if not plan.retired:
        return {}
    model = table_model(part, columns)
    counts = {}
    for name in plan.retired:
        if columns[name]["type"] == "flag":
            counts[name] = model._default_manager.filter(**{name: True}).count()
        else:
            counts[name] = model._default_manager.filter(**{f"{name}__isnull": False}).count()
    return counts


def drop_column(*, part, applied_schema, column):
    """Drop a retired column and its data for good; return the new applied schema."""
    columns = dict(applied_schema.get("columns", {}))
    spec = columns.get(column)
    if spec is None:
        raise ValidationError(
            f'column "{column}": the unit table of {part.part_no} has no such column',
            code="unknown_column",
        )
    if not spec["retired"]:
        raise ValidationError(
            f'column "{column}": it is in use by {spec["owner"].replace(":", " ")}; remove that '
            "from the procedure first (its column is then retired), then drop it",
            code="column_in_use",
        )
    with unit_schema_editor() as editor:
        model = table_model(part, columns)
        editor.remove_field(model, model._meta.get_field(column))
    del columns[column]

    def send():
        signals.unit_column_dropped.send(sender=type(part), part=part, column=column)

    transaction.on_commit(send)
    return {**applied_schema, "columns": columns}
