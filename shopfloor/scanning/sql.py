"""The SQL of the common scan: find the unit's part, then record the scan in one statement.

Most scans are of a registered unit that is not held, at a stage it has not recorded yet,
with every non-optional earlier stage passed. That case needs no decision in Python once the
preconditions are written into the UPDATE's WHERE clause:

- PostgreSQL runs ``WITH unit AS (UPDATE … WHERE <preconditions> RETURNING 1) INSERT INTO
  event SELECT … FROM unit``: one statement, so one transaction. The UPDATE locks the unit
  row; a concurrent scan of the same row waits and re-checks the WHERE clause on the new row,
  so it matches nothing and writes nothing. The event is inserted only when the row was.
- Other databases (SQLite) run the same UPDATE … RETURNING and the INSERT in one transaction
  (SQLite's BEGIN IMMEDIATE serialises writers).

When the UPDATE matches no row, nothing was written and the caller works out why under a row
lock. The round trips of a recorded scan: the index lookup and the record statement (two
more, BEGIN and COMMIT, on SQLite); only the record statement when the caller guesses the
unit's part, which the statement then checks in its WHERE clause (``record_first``'s
``registration``).

A new unit's first scan (registration) is written the same way once the rules have passed:
``register_first`` inserts the USID into the global index, the unit row and the event in one
statement on PostgreSQL (``WITH registration AS (INSERT …), unit AS (INSERT … SELECT … FROM
registration) INSERT INTO event SELECT … FROM unit``), in one transaction elsewhere. A USID
registered by a concurrent scan a moment before makes the index's unique constraint refuse the
whole statement (``IntegrityError``): nothing is written and the caller looks again.
"""

import contextlib
import functools
import json
from datetime import date, datetime
from decimal import Decimal

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from parts.models import ModelPart
from procedures.models import PartProcedureDetail
from shopfloor.prepared_statements import prepared_cursor, with_schema
from shopfloor.stations.models import (
    DefectReason,
    ScanEvent,
    ScanReceipt,
    Station,
    UnitRegistration,
    registration_pick,
    usid_key,
    usid_lookup_keys,
)

EVENT_FIELDS = (
    "created_at",
    "usid",
    "part_id",
    "stage",
    "action",
    "result",
    "defect_id",
    "source",
    "station_id",
    "user_id",
    "token_id",
    "tag_no",
    "reason",
    "data",
)
EVENT_PLACEHOLDERS = ", ".join(["%s"] * len(EVENT_FIELDS))


def _q(name):
    return connection.ops.quote_name(name)


def _part_select(*, registered=False, no_usid=False):
    """The part's columns a scan needs, from ``p`` (the part) and ``d`` (its procedure),
    after the USID as registered (``r``) when ``registered``, after NULL in its place when
    ``no_usid``."""
    part = ModelPart._meta
    procedure = PartProcedureDetail._meta
    usid = f"r.{_q('usid')}, " if registered else "NULL, " if no_usid else ""
    return (
        f"SELECT {usid}p.{_q('id')}, "
        f"p.{_q('part_no')}, p.{_q('archived_at')}, "
        f"d.{_q('version')}, d.{_q('schema_fingerprint')}, d.{_q('changing_since')} "
        f"FROM {_q(part.db_table)} p "
        f"LEFT JOIN {_q(procedure.db_table)} d ON d.{_q('model_part_id')} = p.{_q('id')} "
    )


@functools.cache
def _registration_sql():
    registration = UnitRegistration._meta
    return (
        f"{_part_select(registered=True)}"
        f"JOIN {_q(registration.db_table)} r ON r.{_q('part_id')} = p.{_q('id')} "
        f"WHERE r.{_q('usid_key')} IN (%s, %s)"
    )


# As the part no.'s unique constraint compares them, so its index finds the part.
def _by_part_no():
    return f"WHERE LOWER(TRIM(p.{_q('part_no')})) = LOWER(%s)"


@functools.cache
def _part_sql(by_part_no):
    if by_part_no:
        return f"{_part_select()}{_by_part_no()}"
    return f"{_part_select()}WHERE p.{_q('id')} = %s"


@functools.cache
def _registration_and_part_sql():
    return f"{_registration_sql()} UNION ALL {_part_select(no_usid=True)}{_by_part_no()}"


def registration_row(usid):
    """(USID as registered, part id, part no., archived at, procedure version, schema
    fingerprint, procedure being changed since) of the unit ``usid`` names whatever its letter
    case, or None when it is not registered. One statement on the unique USID key."""
    with prepared_cursor() as cursor:
        cursor.execute(_registration_sql(), usid_lookup_keys(usid))
        return registration_pick(cursor.fetchall(), usid, lambda row: row[0])


def registration_and_part_rows(usid, part_no):
    """(``registration_row(usid)``, ``part_row(part_no=part_no)``) in one statement: a scan
    naming its part is most often a new unit's, registered to that part."""
    with prepared_cursor() as cursor:
        cursor.execute(_registration_and_part_sql(), [*usid_lookup_keys(usid), part_no])
        rows = cursor.fetchall()
    registered = [row for row in rows if row[0] is not None]
    part = next((row[1:] for row in rows if row[0] is None), None)
    return registration_pick(registered, usid, lambda row: row[0]), part


def part_row(*, part_no=None, part_id=None):
    """The same for the part whose part no. is ``part_no`` (stripped, in any letter case) or
    whose id is ``part_id``; None when there is no such part."""
    with prepared_cursor() as cursor:
        cursor.execute(
            _part_sql(part_no is not None), [part_no if part_no is not None else part_id]
        )
        return cursor.fetchone()


@functools.cache
def station_sql():
    """The station ``%s`` once per part it runs (``STATION_COLUMNS`` columns; once with a NULL
    part when it runs every part): what ``station_of_rows`` reads."""
    station = Station._meta
    runs = station.get_field("parts").remote_field.through._meta
    columns = ", ".join(
        f"s.{_q(name)}" for name in ("id", "name", "stage", "pairs_tag", "is_active")
    )
    # Whether a qualification rule limits the station or its stage (the operators app's table,
    # named through the app registry: the scan path does not import that app).
    rule = apps.get_model("operators", "QualificationRule")._meta
    limited = (
        f"EXISTS (SELECT 1 FROM {_q(rule.db_table)} q "
        f"WHERE q.{_q(rule.get_field('station').column)} = s.{_q('id')} "
        f"OR q.{_q(rule.get_field('stage').column)} = s.{_q('stage')})"
    )
    return (
        f"SELECT {columns}, {limited}, r.{_q(runs.get_field('modelpart').column)} "
        f"FROM {_q(station.db_table)} s LEFT JOIN {_q(runs.db_table)} r "
        f"ON r.{_q(runs.get_field('station').column)} = s.{_q('id')} WHERE s.{_q('id')} = %s"
    )


def station_row(station_id):
    """(id, name, stage, pairs tag, is active, whether qualification rules limit it, the ids
    of the parts it runs) of the station ``station_id``, or None when there is none. One
    statement, for the scan screen's scans."""
    with prepared_cursor() as cursor:
        cursor.execute(station_sql(), [station_id])
        return station_of_rows(cursor.fetchall())


def station_of_rows(rows):
    """``station_row``'s answer from the rows of ``station_sql``."""
    if not rows:
        return None
    pk, name, stage, pairs_tag, is_active, limited = rows[0][:6]
    parts = frozenset(row[6] for row in rows if row[6] is not None)
    return pk, name, stage, bool(pairs_tag), bool(is_active), bool(limited), parts


STATION_COLUMNS = 7
DEFECT_FIELDS = ("id", "code", "label", "category")


@functools.cache
def _defect_sql():
    reason = DefectReason._meta
    columns = ", ".join(_q(reason.get_field(name).column) for name in DEFECT_FIELDS)
    return (
        f"SELECT {columns} FROM {_q(reason.db_table)} WHERE {_q('code')} = %s AND {_q('is_active')}"
    )


def defect_reason_find(code):
    """The active defect reason whose code is ``code``, or None. One plain statement: a
    failed scan reads it, and building the ORM's query cost more than the database's answer."""
    with prepared_cursor() as cursor:
        cursor.execute(_defect_sql(), [code])
        row = cursor.fetchone()
    if row is None:
        return None
    return DefectReason.from_db(connection.alias, [*DEFECT_FIELDS, "is_active"], [*row, True])


def receipt_write(*, scope, scan_id, outcome):
    """Keep ``outcome`` (a dict) as the answer to the scan ``scan_id`` sent by ``scope``.
    Raises ``IntegrityError`` when an answer to it is kept already, writing nothing."""
    with prepared_cursor() as cursor:
        cursor.execute(
            f"{_receipt_insert()} VALUES (%s, %s, %s, %s)",
            _adapted([scope, scan_id, json.dumps(outcome), timezone.now()]),
        )


@functools.cache
def _event_columns():
    columns = [ScanEvent._meta.get_field(name.removesuffix("_id")).column for name in EVENT_FIELDS]
    return ", ".join(_q(column) for column in columns)


@functools.cache
def _registered_condition():
    """The WHERE condition that the unit is registered, exactly as its USID is sent, to the
    part guessed, which is not archived nor being changed and whose procedure is still at
    the version and schema guessed: what ``registration_row`` would have told."""
    registration = UnitRegistration._meta
    procedure = PartProcedureDetail._meta
    return (
        f"EXISTS (SELECT 1 FROM {_q(registration.db_table)} r "
        f"JOIN {_q(ModelPart._meta.db_table)} p ON p.{_q('id')} = r.{_q('part_id')} "
        f"JOIN {_q(procedure.db_table)} d ON d.{_q('model_part_id')} = p.{_q('id')} "
        f"WHERE r.{_q('usid_key')} IN (%s, %s) AND r.{_q('usid')} = %s "
        f"AND r.{_q('part_id')} = %s AND p.{_q('part_no')} = %s "
        f"AND p.{_q('archived_at')} IS NULL AND d.{_q('changing_since')} IS NULL "
        f"AND d.{_q('version')} = %s AND d.{_q('schema_fingerprint')} = %s)"
    )


def _update_sql(plan, stage, extra=(), registered=False):
    """The UPDATE of the unit row for a first record of ``stage``, and the columns it sets;
    ``extra`` names the field columns the scan's values go to; ``registered`` adds the
    condition that the unit is registered to the plan's part (``_registered_condition``)."""
    cached = plan.sql.get((stage.key, extra, registered))
    if cached is not None:
        return cached
    columns = [stage.flag, stage.at, stage.by]
    if stage.pass_fail:
        columns.append(stage.result)
    columns += [*extra, "on_hold", "updated_at"]
    conditions = [f"{_q('usid')} = %s", f"NOT {_q('on_hold')}", f"NOT {_q(stage.flag)}"]
    conditions += [
        _q(earlier.flag) for earlier in plan.stages[: stage.position] if not earlier.optional
    ]
    if registered:
        conditions.append(_registered_condition())
    sql = (
        f"UPDATE {_q(plan.unit_model._meta.db_table)} "
        f"SET {', '.join(f'{_q(column)} = %s' for column in columns)} "
        f"WHERE {' AND '.join(conditions)}"
    )
    plan.sql[(stage.key, extra, registered)] = (sql, columns)
    return sql, columns


# Values the database takes as they are: most of a scan's parameters, passed without a call.
_PLAIN_TYPES = frozenset(
    {
        str,
        int,
        bool,
        float,
        Decimal,
        type(None),
        ScanEvent.Action,
        ScanEvent.Result,
        ScanEvent.Source,
    }
)


def _fixed_columns(plan, stage):
    """The columns every first record of ``stage`` sets (``_update_sql``'s without ``extra``),
    as a set kept with the plan's statements."""
    fixed = plan.sql.get(("fixed", stage.key))
    if fixed is None:
        fixed = plan.sql[("fixed", stage.key)] = frozenset(_update_sql(plan, stage)[1])
    return fixed


def _adapted(params, ops=None):
    """Datetimes, dates and JSON as the database takes them in raw SQL (SQLite keeps them as
    text); ``ops``: the connection's operations, when the caller has them at hand."""
    ops = ops or connection.ops
    return [value if type(value) in _PLAIN_TYPES else _adapt(value, ops) for value in params]


def _adapt(value, ops):
    if isinstance(value, datetime):
        return ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return ops.adapt_datefield_value(value)
    if isinstance(value, dict):
        return ops.adapt_json_value(value, DjangoJSONEncoder)
    return value


def _receipt_insert():
    receipt = ScanReceipt._meta
    return (
        f"INSERT INTO {_q(receipt.db_table)} "
        f"({_q('scope')}, {_q('scan_id')}, {_q('outcome')}, {_q('created_at')})"
    )


@functools.cache
def _event_insert():
    return f"INSERT INTO {_q(ScanEvent._meta.db_table)} ({_event_columns()})"


@functools.lru_cache(maxsize=1024)
def _postgresql_record_sql(update, keeps_receipt):
    """The one statement of ``record_first`` on PostgreSQL around the unit's ``update``."""
    keep = ""
    if keeps_receipt:
        # The answer is kept with the event's id written into it.
        keep = (
            f", receipt AS ({_receipt_insert()} SELECT %s, %s, "
            f"jsonb_set(%s::jsonb, '{{event_id}}', to_jsonb(event.{_q('id')})), %s "
            "FROM event)"
        )
    return (
        f"WITH unit AS ({update} RETURNING 1), event AS ({_event_insert()} "
        f"SELECT {EVENT_PLACEHOLDERS} FROM unit RETURNING {_q('id')}){keep} "
        f"SELECT {_q('id')} FROM event"
    )


def record_first(
    *, plan, stage, usid, values, event, savepoint=False, receipt=None, registration=None
):
    """Record ``stage`` of ``usid`` if its preconditions hold; the new event's id, or None.

    ``values`` maps the unit columns to set (flag, at, by, result, the stage's field values,
    on_hold, updated_at) to their database values; ``event`` maps ``EVENT_FIELDS`` to theirs.
    ``savepoint`` keeps a caller's transaction usable when a unique value is refused.

    ``receipt`` (scope, scan_id, answer as a dict) keeps the answer of a scan sent with a
    ``scan_id`` in the same statement, its ``event_id`` set to the new event's: a replay finds
    the answer taken (``IntegrityError``, nothing written), a scan whose preconditions fail
    writes no answer either.

    ``registration`` (part no., procedure version, schema fingerprint), when the unit's part
    is guessed rather than read: the statement also checks that ``usid`` is registered, as
    sent, to the plan's part with that part no., not archived nor being changed, at that
    version and schema, and writes nothing otherwise.
    """
    fixed = _fixed_columns(plan, stage)
    extra = tuple(column for column in values if column not in fixed)
    update, columns = _update_sql(plan, stage, extra, registration is not None)
    db = connections[DEFAULT_DB_ALIAS]  # what ``connection`` stands for, looked up once
    ops = db.ops
    update_params = _adapted([values[column] for column in columns] + [usid], ops)
    if registration is not None:
        update_params += [*usid_lookup_keys(usid), usid, plan.part_id, *registration]
    event_params = _adapted([event[name] for name in EVENT_FIELDS], ops)
    insert = _event_insert()
    receipt_params = []
    if receipt is not None:
        scope, scan_id, answer = receipt
        receipt_params = _adapted([scope, scan_id, json.dumps(answer), event["created_at"]], ops)
    with prepared_cursor(db) as cursor:
        if db.vendor == "postgresql":
            guard = (
                transaction.atomic()
                if (savepoint or receipt is not None) and db.in_atomic_block
                else contextlib.nullcontext()
            )
            with guard:
                cursor.execute(
                    with_schema(
                        _postgresql_record_sql(update, receipt is not None), plan.fingerprint
                    ),
                    update_params + event_params + receipt_params,
                )
                row = cursor.fetchone()
            return row[0] if row else None
        with transaction.atomic():
            cursor.execute(f"{update} RETURNING {_q('id')}", update_params)
            if cursor.fetchone() is None:
                return None
            cursor.execute(
                f"{insert} VALUES ({EVENT_PLACEHOLDERS}) RETURNING {_q('id')}", event_params
            )
            event_id = cursor.fetchone()[0]
            if receipt is not None:
                answer = json.dumps({**receipt[2], "event_id": event_id})
                receipt_params[2] = answer
                cursor.execute(f"{_receipt_insert()} VALUES (%s, %s, %s, %s)", receipt_params)
            return event_id


@functools.cache
def _registration_insert():
    registration = UnitRegistration._meta
    return (
        f"INSERT INTO {_q(registration.db_table)} "
        f"({_q('usid')}, {_q('usid_key')}, {_q(registration.get_field('part').column)}, "
        f"{_q('created_at')})"
    )


def _unit_insert(plan, columns):
    """The INSERT of a new unit row setting ``columns`` (a tuple), and its placeholders, kept
    with the plan's statements."""
    key = ("register", columns)
    cached = plan.sql.get(key)
    if cached is None:
        cached = plan.sql[key] = (
            f"INSERT INTO {_q(plan.unit_model._meta.db_table)} "
            f"({', '.join(_q(column) for column in columns)})",
            ", ".join(["%s"] * len(columns)),
        )
    return cached


def register_first(*, plan, usid, registered_at, values, event):
    """Register ``usid`` to the plan's part and record its first stage; the new event's id.

    ``values`` maps the unit columns to write (usid, tag_no, the stage's columns, on_hold,
    created_at, updated_at) to their database values; every other column keeps its default.
    Raises ``IntegrityError`` when the USID is registered already, writing nothing.
    """
    columns = tuple(values)
    ops = connection.ops
    unit_params = _adapted([values[column] for column in columns], ops)
    registration_params = _adapted([usid, usid_key(usid), plan.part_id, registered_at], ops)
    event_params = _adapted([event[name] for name in EVENT_FIELDS], ops)
    insert_registration = _registration_insert()
    insert_unit, unit_values = _unit_insert(plan, columns)
    insert_event = _event_insert()
    event_values = EVENT_PLACEHOLDERS
    if connection.vendor == "postgresql":
        # Autocommit makes the one statement its own transaction; inside a caller's
        # transaction a savepoint keeps that transaction usable after a refusal.
        guard = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
        with guard, prepared_cursor() as cursor:
            cursor.execute(
                with_schema(
                    f"WITH registration AS "
                    f"({insert_registration} VALUES (%s, %s, %s, %s) RETURNING 1), "
                    f"unit AS ({insert_unit} SELECT {unit_values} FROM registration RETURNING 1) "
                    f"{insert_event} SELECT {event_values} FROM unit RETURNING {_q('id')}",
                    plan.fingerprint,
                ),
                registration_params + unit_params + event_params,
            )
            return cursor.fetchone()[0]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"{insert_registration} VALUES (%s, %s, %s, %s)", registration_params)
        cursor.execute(f"{insert_unit} VALUES ({unit_values})", unit_params)
        cursor.execute(f"{insert_event} VALUES ({event_values}) RETURNING {_q('id')}", event_params)
        return cursor.fetchone()[0]
