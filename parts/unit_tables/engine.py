"""The engine's write path: plans, creates, extends and converts unit tables.

``apply_config`` is the one way a procedure change reaches a unit table. The caller (the
procedure code, ``procedures.saving.procedure_migrate``) hands it the part, the validated
config and the schema the table has now, inside its transaction and after it locked the
procedure row, and stores what it returns (the new schema and its fingerprint) on that row:
the row update and every DDL statement commit together or not at all. The engine knows
nothing of procedures beyond what it is handed. Signals go out once the transaction commits.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils.translation import gettext as _

from parts.unit_tables import signals
from parts.unit_tables.builder import build_model, column_field
from parts.unit_tables.cache import unit_model_for
from parts.unit_tables.conversion import check_choices, convert_column
from parts.unit_tables.editor import unit_schema_editor
from parts.unit_tables.exceptions import UnitTableError
from parts.unit_tables.naming import column_index_name, table_name, unique_index_name
from parts.unit_tables.schema import fingerprint, owner_key, plan_schema, schema_columns
from parts.unit_tables.tag_index import tag_index_statements


@dataclass(frozen=True)
class Applied:
    """What applying a config did: the plan run, the table's new schema and its fingerprint."""

    plan: object
    schema: dict
    fingerprint: str


def apply_config(*, part, config, applied_schema):
    """Bring ``part``'s unit table from ``applied_schema`` to what ``config`` asks for.

    ``config`` must be validated. Runs in the caller's transaction; raises what
    ``apply_plan`` raises. Returns an ``Applied`` for the caller to store.
    """
    plan = plan_schema(applied_schema, config)
    apply_plan(part=part, plan=plan, applied_schema=applied_schema)
    return Applied(plan=plan, schema=plan.schema, fingerprint=fingerprint(plan.schema))


def preview_config(*, part, config, applied_schema):
    """The plan ``apply_config`` would run, with the units holding data in each retired column."""
    plan = plan_schema(applied_schema, config)
    plan.units_holding_data = count_units_holding_data(part, plan, applied_schema)
    _refuse_repeating_values(part, plan, applied_schema)
    return plan


def _key(spec):
    return f'"{owner_key(spec)}"'


def table_model(part, columns):
    """A model covering every given column, for schema changes and raw counts."""
    return build_model(part=part, columns=columns)


def apply_plan(*, part, plan, applied_schema):
    """Make ``part``'s unit table match ``plan.schema``.

    Raises ``ValidationError`` when a type change meets data that does not convert, and
    ``UnitTableBusy`` when the table stays locked past the lock timeout; in both cases the
    savepoint around the change leaves the table as it was.
    """
    if plan.runs_ddl or plan.converted:
        try:
            _apply_ddl(part, plan, applied_schema)
        except IntegrityError:
            # Units given the same value while the unique index was being built.
            _refuse_repeating_values(part, plan, applied_schema)
            raise
    _send_on_commit(part, plan)


def _apply_ddl(part, plan, applied_schema):
    old_columns = schema_columns(applied_schema)
    new_columns = schema_columns(plan.schema)
    with unit_schema_editor() as editor:
        if plan.create_table:
            _refuse_to_overwrite(part)
            editor.create_model(table_model(part, new_columns))
            # Tables made before these indexes got them from a migration; drift repairs them.
            for statement in tag_index_statements(connection, part.pk):
                editor.execute(statement)
        else:
            model = table_model(part, old_columns)
            for name in plan.added:
                field = column_field(name, new_columns[name])
                field.model = model
                editor.add_field(model, field)
            for conversion in plan.converted:
                _convert(editor, model, conversion, old_columns, new_columns)
        quote = editor.quote_name
        table = quote(table_name(part.pk))
        for name in plan.made_not_unique:
            editor.execute(f"DROP INDEX IF EXISTS {quote(unique_index_name(part.pk, name))}")
        for name in plan.made_not_indexed:
            editor.execute(f"DROP INDEX IF EXISTS {quote(column_index_name(part.pk, name))}")
        if not plan.create_table:  # a new table got its unique indexes from the model
            _refuse_repeating_values(part, plan, applied_schema)
            # IF NOT EXISTS: SQLite's copy of a table to change a column already made them.
            for name in plan.made_unique:
                index = quote(unique_index_name(part.pk, name))
                editor.execute(
                    f"CREATE UNIQUE INDEX IF NOT EXISTS {index} ON {table} ({quote(name)}) "
                    f"WHERE {quote(name)} IS NOT NULL"
                )
        for name in plan.made_indexed:
            index = quote(column_index_name(part.pk, name))
            editor.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {table} ({quote(name)})")


REPEATS_SHOWN = 5


def repeating_values(part, column, applied_schema):
    """Values of ``column`` that more than one unit holds: ``[(value, [usid, ...]), ...]``."""
    columns = schema_columns(applied_schema)
    if column not in columns:
        return []
    model = table_model(part, columns)
    manager = model._default_manager
    repeated = (
        manager.filter(**{f"{column}__isnull": False})
        .values(column)
        .annotate(units=models.Count("id"))
        .filter(units__gt=1)
        .order_by(column)
        .values_list(column, flat=True)[:REPEATS_SHOWN]
    )
    found = []
    for value in repeated:
        usids = manager.filter(**{column: value}).order_by("usid").values_list("usid", flat=True)
        found.append((value, list(usids[:REPEATS_SHOWN])))
    return found


def _refuse_repeating_values(part, plan, applied_schema):
    """A field made unique while units already share a value is refused, naming them."""
    problems = []
    for name in plan.made_unique:
        repeats = repeating_values(part, name, applied_schema)
        if repeats:
            shown = "; ".join(
                _("%(value)s held by %(usids)s") % {"value": value, "usids": ", ".join(usids)}
                for value, usids in repeats
            )
            key = _key(schema_columns(plan.schema)[name])
            problems.append(
                _(
                    "field %(key)s cannot be unique: units share its values (%(shown)s); give "
                    "them different values first"
                )
                % {"key": key, "shown": shown}
            )
    if problems:
        raise ValidationError(problems, code="repeating_values")


def _refuse_to_overwrite(part):
    name = table_name(part.pk)
    if name in connection.introspection.table_names():
        raise UnitTableError(
            _(
                "%(part_no)s already has a unit table (%(table)s) that no procedure describes, "
                "left by a deleted procedure; nothing was changed. `manage.py unit_tables check` "
                "lists it: keep its data elsewhere or drop it, then save the procedure again."
            )
            % {"part_no": part.part_no, "table": name}
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
        sender = type(part)
        signal = signals.unit_table_created if plan.create_table else signals.unit_table_changed
        # The model is built for a receiver only: a save with none to tell does not wait for
        # it (the first scan of the part builds it when it needs it).
        if signal.has_listeners(sender):
            model = unit_model_for(part)
            if plan.create_table:
                signal.send(sender=sender, part=part, model=model)
            else:
                signal.send(sender=sender, part=part, model=model, plan=plan)
        for column in plan.retired:
            signals.unit_column_retired.send(sender=sender, part=part, column=column)

    if plan.changes_schema:
        transaction.on_commit(send)


def count_units_holding_data(part, plan, applied_schema):
    """For each column the plan retires, how many units hold data in it (for the preview)."""
    columns = schema_columns(applied_schema)
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
    """Drop a retired column and its data for good; return an ``Applied`` for the caller."""
    columns = dict(schema_columns(applied_schema))
    spec = columns.get(column)
    if spec is None:
        raise ValidationError(
            _('column "%(column)s": the unit table of %(part_no)s has no such column')
            % {"column": column, "part_no": part.part_no},
            code="unknown_column",
        )
    if not spec["retired"]:
        raise ValidationError(
            _(
                'column "%(column)s": it is in use by %(owner)s; remove that from the procedure '
                "first (its column is then retired), then drop it"
            )
            % {"column": column, "owner": spec["owner"].replace(":", " ")},
            code="column_in_use",
        )
    with unit_schema_editor() as editor:
        model = table_model(part, columns)
        editor.remove_field(model, model._meta.get_field(column))
    del columns[column]

    def send():
        signals.unit_column_dropped.send(sender=type(part), part=part, column=column)

    transaction.on_commit(send)
    schema = {**applied_schema, "columns": columns}
    return Applied(plan=None, schema=schema, fingerprint=fingerprint(schema))
