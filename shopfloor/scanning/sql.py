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
more, BEGIN and COMMIT, on SQLite).
"""

import functools
from datetime import datetime

from django.db import connection, transaction

from parts.models import ModelPart
from procedures.models import PartProcedureDetail
from shopfloor.stations.models import (
    ScanEvent,
    UnitRegistration,
    registration_pick,
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
)


def _q(name):
    return connection.ops.quote_name(name)


@functools.cache
def _registration_sql():
    registration = UnitRegistration._meta
    part = ModelPart._meta
    procedure = PartProcedureDetail._meta
    return (
        f"SELECT r.{_q('usid')}, r.{_q('part_id')}, p.{_q('part_no')}, p.{_q('archived_at')}, "
        f"d.{_q('version')}, d.{_q('schema_fingerprint')} "
        f"FROM {_q(registration.db_table)} r "
        f"JOIN {_q(part.db_table)} p ON p.{_q('id')} = r.{_q('part_id')} "
        f"LEFT JOIN {_q(procedure.db_table)} d ON d.{_q('model_part_id')} = p.{_q('id')} "
        f"WHERE r.{_q('usid_key')} IN (%s, %s)"
    )


def registration_row(usid):
    """(USID as registered, part id, part no., archived at, procedure version, schema
    fingerprint) of the unit ``usid`` names whatever its letter case, or None when it is not
    registered. One statement on the unique USID key."""
    with connection.cursor() as cursor:
        cursor.execute(_registration_sql(), usid_lookup_keys(usid))
        return registration_pick(cursor.fetchall(), usid, lambda row: row[0])


@functools.cache
def _event_columns():
    columns = [ScanEvent._meta.get_field(name.removesuffix("_id")).column for name in EVENT_FIELDS]
    return ", ".join(_q(column) for column in columns)


def _update_sql(plan, stage):
    """The UPDATE of the unit row for a first record of ``stage``, and the columns it sets."""
    cached = plan.sql.get(stage.key)
    if cached is not None:
        return cached
    columns = [stage.flag, stage.at, stage.by]
    if stage.pass_fail:
        columns.append(stage.result)
    columns += ["on_hold", "updated_at"]
    conditions = [f"{_q('usid')} = %s", f"NOT {_q('on_hold')}", f"NOT {_q(stage.flag)}"]
    conditions += [
        _q(earlier.flag) for earlier in plan.stages[: stage.position] if not earlier.optional
    ]
    sql = (
        f"UPDATE {_q(plan.unit_model._meta.db_table)} "
        f"SET {', '.join(f'{_q(column)} = %s' for column in columns)} "
        f"WHERE {' AND '.join(conditions)}"
    )
    plan.sql[stage.key] = (sql, columns)
    return sql, columns


def _adapted(params):
    """Datetimes as the database takes them in raw SQL (SQLite keeps them as text)."""
    adapt = connection.ops.adapt_datetimefield_value
    return [adapt(value) if isinstance(value, datetime) else value for value in params]


def record_first(*, plan, stage, usid, values, event):
    """Record ``stage`` of ``usid`` if its preconditions hold; the new event's id, or None.

    ``values`` maps the unit columns to set (flag, at, by, result, on_hold, updated_at) to
    their database values; ``event`` maps ``EVENT_FIELDS`` to theirs.
    """
    update, columns = _update_sql(plan, stage)
    update_params = _adapted([values[column] for column in columns] + [usid])
    event_params = _adapted([event[name] for name in EVENT_FIELDS])
    placeholders = ", ".join(["%s"] * len(EVENT_FIELDS))
    insert = f"INSERT INTO {_q(ScanEvent._meta.db_table)} ({_event_columns()})"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH unit AS ({update} RETURNING 1) {insert} SELECT {placeholders} FROM unit "
                f"RETURNING {_q('id')}",
                update_params + event_params,
            )
            row = cursor.fetchone()
            return row[0] if row else None
        with transaction.atomic():
            cursor.execute(f"{update} RETURNING {_q('id')}", update_params)
            if cursor.fetchone() is None:
                return None
            cursor.execute(f"{insert} VALUES ({placeholders}) RETURNING {_q('id')}", event_params)
            return cursor.fetchone()[0]
