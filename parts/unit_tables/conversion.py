"""Converting a field's data when its type changes, or refusing with the count that would not.

A conversion writes the converted value of every unit into a new column, with an expression
that yields NULL where a value does not convert; units whose old value was not NULL but whose
new one is are counted, and any count above zero refuses the change (the savepoint around
the change undoes the new column). The same rules hold on both databases: on SQLite a Python
function does the conversion; on PostgreSQL casts guarded so that they never fail.
"""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parts.unit_tables import progress
from parts.unit_tables.schema import storage_of

TRUE_WORDS = ("true", "yes", "y", "t", "1", "on")
FALSE_WORDS = ("false", "no", "n", "f", "0", "off")
INTEGER_PATTERN = re.compile(r"[+-]?[0-9]{1,18}")
DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
INTEGER_LIMIT = 10**18
DECIMAL_LIMIT = 10**14  # numeric(20, 6): 14 digits before the point
EXAMPLES = 3


def _decimal(value):
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not number.is_finite() or abs(number) >= DECIMAL_LIMIT:
        return None
    if number != number.quantize(Decimal("0.000001")):
        return None
    return number


def convert_value(old_type, new_type, value):
    """``value`` as stored under ``old_type``, converted to ``new_type``, or None."""
    if value is None:
        return None
    try:
        return _convert(storage_of(old_type), storage_of(new_type), value)
    except (ArithmeticError, TypeError, ValueError):
        return None


def _convert(old, new, value):
    if old == "text":
        value = str(value)
    if old == "boolean":
        value = bool(value)
    if new == "text":
        if old == "boolean":
            return "true" if value else "false"
        if old == "decimal":
            return format(Decimal(str(value)).normalize(), "f")
        return str(value)
    if new == "integer":
        if old == "text":
            text = value.strip()
            return int(text) if INTEGER_PATTERN.fullmatch(text) else None
        if old == "decimal":
            number = Decimal(str(value))
            return (
                int(number)
                if number == number.to_integral_value() and abs(number) < INTEGER_LIMIT
                else None
            )
        if old == "boolean":
            return int(value)
        return None
    if new == "decimal":
        if old in ("text", "integer"):
            number = _decimal(value)
            return None if number is None else str(number)
        if old == "boolean":
            return "1" if value else "0"
        return None
    if new == "boolean":
        if old == "text":
            word = value.strip().lower()
            return 1 if word in TRUE_WORDS else 0 if word in FALSE_WORDS else None
        if old in ("integer", "decimal"):
            return {Decimal(1): 1, Decimal(0): 0}.get(Decimal(str(value)))
        return None
    if new == "date" and old == "text":
        text = value.strip()
        if not DATE_PATTERN.fullmatch(text):
            return None
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            return None
    return None


POSTGRES_FUNCTIONS = {
    "integer": """
        CREATE OR REPLACE FUNCTION pg_temp.shopfloor_to_integer(value text) RETURNS bigint AS $$
        BEGIN RETURN CAST(TRIM(value) AS bigint);
        EXCEPTION WHEN others THEN RETURN NULL; END $$ LANGUAGE plpgsql IMMUTABLE""",
    "decimal": """
        CREATE OR REPLACE FUNCTION pg_temp.shopfloor_to_decimal(value text) RETURNS numeric AS $$
        DECLARE number numeric;
        BEGIN number := CAST(TRIM(value) AS numeric);
          IF number = 'NaN' OR abs(number) >= 1e14 OR number <> round(number, 6) THEN
            RETURN NULL; END IF;
          RETURN number;
        EXCEPTION WHEN others THEN RETURN NULL; END $$ LANGUAGE plpgsql IMMUTABLE""",
    "date": """
        CREATE OR REPLACE FUNCTION pg_temp.shopfloor_to_date(value text) RETURNS date AS $$
        BEGIN IF TRIM(value) !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN RETURN NULL; END IF;
          RETURN CAST(TRIM(value) AS date);
        EXCEPTION WHEN others THEN RETURN NULL; END $$ LANGUAGE plpgsql IMMUTABLE""",
}


def _words(words):
    return ", ".join(f"'{word}'" for word in words)


def _postgres_expression(old, new, column):
    if new == "text":
        return {
            "text": column,
            "integer": f"CAST({column} AS varchar(255))",
            "decimal": f"CAST(trim_scale({column}) AS varchar(255))",
            "boolean": f"CASE WHEN {column} THEN 'true' WHEN NOT {column} THEN 'false' END",
            "date": f"to_char({column}, 'YYYY-MM-DD')",
        }[old]
    if old == "boolean" and new in ("integer", "decimal"):
        return f"CASE WHEN {column} THEN 1 WHEN NOT {column} THEN 0 END"
    if new == "boolean":
        if old == "text":
            lowered = f"LOWER(TRIM({column}))"
            return (
                f"CASE WHEN {lowered} IN ({_words(TRUE_WORDS)}) THEN TRUE "
                f"WHEN {lowered} IN ({_words(FALSE_WORDS)}) THEN FALSE END"
            )
        if old in ("integer", "decimal"):
            return f"CASE WHEN {column} = 1 THEN TRUE WHEN {column} = 0 THEN FALSE END"
        return "NULL"
    if old == "text" and new in POSTGRES_FUNCTIONS:
        return f"pg_temp.shopfloor_to_{new}({column})"
    if old == "decimal" and new == "integer":
        whole = f"{column} = trunc({column}) AND abs({column}) < 1e18"
        return f"CASE WHEN {whole} THEN CAST({column} AS bigint) END"
    if old == "integer" and new == "decimal":
        return f"CASE WHEN abs({column}) < 1e14 THEN {column} END"
    return "NULL"


def _expression(connection, old_type, new_type, column):
    old, new = storage_of(old_type), storage_of(new_type)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        connection.connection.create_function(
            "shopfloor_convert", 3, convert_value, deterministic=True
        )
        return f"shopfloor_convert('{old}', '{new}', {column})"
    if old == "text" and new in POSTGRES_FUNCTIONS:
        with connection.cursor() as cursor:
            cursor.execute(POSTGRES_FUNCTIONS[new])
    return _postgres_expression(old, new, column)


def _refuse(conversion, key, count, examples, reason):
    shown = ", ".join(f'"{example}"' for example in examples)
    message = ngettext(
        "%(where)s.type: cannot change %(key)s from %(old)s to %(new)s: %(count)s unit holds "
        "%(reason)s (e.g. %(examples)s); nothing was changed",
        "%(where)s.type: cannot change %(key)s from %(old)s to %(new)s: %(count)s units hold "
        "%(reason)s (e.g. %(examples)s); nothing was changed",
        count,
    )
    values = {
        "where": conversion.where,
        "key": key,
        "old": conversion.old_type,
        "new": conversion.new_type,
        "count": count,
        "reason": reason,
        "examples": shown,
    }
    raise ValidationError(message % values, code="unconvertible")


def check_choices(cursor, quote, table, conversion, key, column):
    """Refuse when units hold values that are not among the new choices."""
    placeholders = ", ".join(["%s"] * len(conversion.choices))
    condition = f"{column} IS NOT NULL AND {column} NOT IN ({placeholders})"
    cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {condition}", conversion.choices)
    count = cursor.fetchone()[0]
    if count:
        cursor.execute(
            f"SELECT DISTINCT {column} FROM {table} WHERE {condition} LIMIT {EXAMPLES}",
            conversion.choices,
        )
        examples = [row[0] for row in cursor.fetchall()]
        _refuse(conversion, key, count, examples, _("values that are not among the choices"))


def convert_column(*, editor, model, old_field, new_field, conversion, key):
    """Replace ``old_field``'s column by ``new_field``'s, converting every unit's value.

    Raises ``ValidationError`` naming the entry and the count of units whose value does not
    convert; the caller's savepoint then undoes everything.
    """
    connection = editor.connection
    quote = editor.quote_name
    table = quote(model._meta.db_table)
    temporary = type(new_field)(**_field_kwargs(new_field))
    temporary.set_attributes_from_name(f"tmp_convert_{new_field.column}")
    temporary.model = model
    editor.add_field(model, temporary)
    old_column, new_column = quote(old_field.column), quote(temporary.column)
    expression = _expression(connection, conversion.old_type, conversion.new_type, old_column)
    with connection.cursor() as cursor:
        _fill(cursor, table, new_column, expression)
        failed = f"{old_column} IS NOT NULL AND {new_column} IS NULL"
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {failed}")
        count = cursor.fetchone()[0]
        if count:
            cursor.execute(
                f"SELECT DISTINCT {old_column} FROM {table} WHERE {failed} LIMIT {EXAMPLES}"
            )
            examples = [row[0] for row in cursor.fetchall()]
            _refuse(conversion, key, count, examples, _kind(conversion))
        if conversion.choices:
            check_choices(cursor, quote, table, conversion, key, new_column)
    editor.remove_field(model, old_field)
    editor.alter_field(model, temporary, new_field)


def _fill(cursor, table, column, expression):
    """Write the converted value of every unit; in batches by id while someone listens to the
    progress (``progress.reported_to``), else in one statement."""
    report = progress.listener()
    if report is None:
        cursor.execute(f"UPDATE {table} SET {column} = {expression}")
        return
    cursor.execute(f"SELECT MIN(id), MAX(id) FROM {table}")
    lowest, highest = cursor.fetchone()
    if lowest is None:
        return
    for start in range(lowest - 1, highest, progress.BATCH_ROWS):
        cursor.execute(
            f"UPDATE {table} SET {column} = {expression} WHERE id > %s AND id <= %s",
            [start, start + progress.BATCH_ROWS],
        )
        report(cursor.rowcount)


def _kind(conversion):
    """What the units' values are not, for the refusal's sentence."""
    return {
        "integer": _("values that are not whole numbers"),
        "decimal": _("values that are not numbers with at most 6 decimals"),
        "boolean": _("values that are not true/false (or yes/no, 1/0)"),
        "date": _("values that are not dates (YYYY-MM-DD)"),
        "text": _("values that are not texts"),
        "choice": _("values that are not texts"),
    }[conversion.new_type]


def _field_kwargs(field):
    _name, _path, _args, kwargs = field.deconstruct()
    return kwargs
