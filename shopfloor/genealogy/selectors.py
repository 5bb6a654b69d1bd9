"""Reads of the genealogy: what is in a unit, what it is in, and where a lot or a unit went.

Trace queries walk the installations with one recursive query each way, whatever the depth:

- forward from a lot (or a unit): the units holding it directly, then the units holding those,
  and so on, each with ``via``, the chain of child USIDs from the lot up to it;
- backward from a unit: its current components, recursively (the tree), and the chain of
  units it is installed in, up to the top.

Only current installations count (a repaired-out child no longer holds anything).
"""

import json

from django.db import connection
from django.db.models import Q

from parts.models import ModelPart
from shopfloor.genealogy.models import Installation
from shopfloor.scanning.plans import plan_of_part

VIA_SEPARATOR = "\t"  # never part of a USID (printable ASCII only)
MAX_DEPTH = 50


def _q(name):
    return connection.ops.quote_name(name)


def unit_components(*, usid):
    """The current components of ``usid``, in the order they were installed."""
    return list(
        Installation.objects.current()
        .filter(parent_usid=usid)
        .select_related("child_part", "installed_by")
        .order_by("installed_at", "id")
    )


def unit_installed_in(*, usid):
    """The installation that holds ``usid`` now, or None."""
    return (
        Installation.objects.current().filter(child_usid=usid).select_related("parent_part").first()
    )


def unit_component_history(*, usid):
    """Every installation into or of ``usid``, current and repaired, oldest first."""
    return list(
        Installation.objects.filter(Q(parent_usid=usid) | Q(child_usid=usid))
        .select_related("child_part", "parent_part", "installed_by", "removed_by")
        .order_by("installed_at", "id")
    )


def unit_genealogy_json(*, usid):
    """The unit answer's ``components`` and ``installed_in`` (scan API)."""
    holder = unit_installed_in(usid=usid)
    return {
        "components": [_component_json(row) for row in unit_components(usid=usid)],
        "installed_in": (
            {"usid": holder.parent_usid, "part_no": holder.parent_part.part_no}
            if holder is not None
            else None
        ),
    }


def _component_json(row):
    body = {"key": row.component}
    if row.child_usid:
        body["usid"] = row.child_usid
        body["part_no"] = row.child_part.part_no if row.child_part else ""
    else:
        body["lot"] = row.lot
        body["part_no"] = None
    body.update(stage=row.stage, at=row.installed_at)
    if row.designator:
        body["designator"] = row.designator
    return body


def installed_part_ids():
    """Ids of the parts whose units a procedure installs in other units, by any version of any
    procedure (a version since replaced may have installed the units still in place). Only
    these units can hold anything, so the trace looks only them up a level."""
    from procedures.models import PartProcedureDetail, ProcedureVersion

    part_nos = set()
    for model in (PartProcedureDetail, ProcedureVersion):
        configs = model.objects.filter(procedure_config__icontains='"components"')
        for config in configs.values_list("procedure_config", flat=True).iterator():
            for stage in (config or {}).get("stages") or []:
                for entry in (stage.get("components") or []) if isinstance(stage, dict) else []:
                    if isinstance(entry, dict) and entry.get("part_no"):
                        part_nos.add(str(entry["part_no"]).casefold())
    if not part_nos:
        return []
    return [
        pk
        for pk, part_no in ModelPart.objects.values_list("pk", "part_no")
        if part_no.casefold() in part_nos
    ]


def _forward_sql(start_column, part_ids):
    """The recursive trace up from a lot or a child unit, and its parameters after the start
    code: (sql, [separator, depth, *part_ids]).

    A child is installed in at most one unit at a time (the partial unique index), so each
    step up is one lookup per unit, and only for units of parts some procedure installs
    (``part_ids``): the others hold nothing. Both steps read covering indexes only
    (``genealogy_lot_holder``, ``genealogy_child_holder``). PostgreSQL is told a step finds one
    row with a LATERAL subquery limited to one, which it cannot turn into a hash join over the
    whole table (its estimate of a recursive step's size is blind); SQLite joins by the index
    by itself.
    """
    table = _q(Installation._meta.db_table)
    installable = f"u.part_id IN ({', '.join(['%s'] * len(part_ids))})" if part_ids else "1 = 0"
    if connection.vendor == "postgresql":
        step = (
            f" FROM up u CROSS JOIN LATERAL (SELECT parent_usid, parent_part_id FROM {table}"
            f" WHERE child_usid = u.usid AND removed_at IS NULL LIMIT 1) i"
            f" WHERE u.depth < %s AND {installable}"
        )
        child = "u.usid"
    else:
        step = (
            f" FROM {table} i JOIN up u ON i.child_usid = u.usid"
            f" WHERE i.removed_at IS NULL AND u.depth < %s AND {installable}"
        )
        child = "i.child_usid"
    start = (
        "lot IS NOT NULL AND lot"
        if start_column == "lot"
        else "child_usid IS NOT NULL AND child_usid"
    )
    sql = (
        f"WITH RECURSIVE up(usid, part_id, via, depth) AS ("
        f" SELECT parent_usid, parent_part_id, CAST('' AS TEXT), 1 FROM {table}"
        f" WHERE {start} = %s AND removed_at IS NULL"
        f" UNION ALL SELECT i.parent_usid, i.parent_part_id,"
        f" CASE WHEN u.via = '' THEN {child} ELSE u.via || %s || {child} END, u.depth + 1"
        f"{step})"
        f" SELECT up.usid, p.{_q('part_no')}, up.via, up.part_id FROM up"
        f" JOIN {_q(ModelPart._meta.db_table)} p ON p.{_q('id')} = up.part_id"
    )
    return sql, [VIA_SEPARATOR, MAX_DEPTH, *part_ids]


class _PlannedWithoutJit:
    """The trace query run with PostgreSQL's JIT compilation off, on this connection only.

    The planner cannot estimate a recursive query's size, so its cost passes the JIT
    threshold and PostgreSQL spends over a second compiling a query that runs in a fraction
    of that (measured on the million-unit benchmark)."""

    def __init__(self, cursor):
        self.cursor = cursor
        self.on = connection.vendor == "postgresql"

    def __enter__(self):
        if self.on:
            self.cursor.execute("SET jit = off")
        return self.cursor

    def __exit__(self, *exc):
        if self.on:
            self.cursor.execute("RESET jit")


def _forward_question(lot, usid):
    column = "lot" if lot is not None else "child_usid"
    sql, params = _forward_sql(column, installed_part_ids())
    return sql, [lot if lot is not None else usid, *params]


def trace_forward(*, lot=None, usid=None):
    """Every unit holding the lot code ``lot`` (or the unit ``usid``), directly or through
    child units: an iterator of (usid, part_no, via, part_id), ``via`` the list of child
    USIDs from the lot (or unit) up to the holder. Read in chunks, so a recall of 100,000
    units streams."""
    sql, params = _forward_question(lot, usid)
    with connection.cursor() as cursor, _PlannedWithoutJit(cursor):
        cursor.execute(sql, params)
        while True:
            rows = cursor.fetchmany(2000)
            if not rows:
                return
            for holder, part_no, via, part_id in rows:
                yield holder, part_no, via.split(VIA_SEPARATOR) if via else [], part_id


def trace_forward_json(*, lot=None, usid=None):
    """What ``trace_forward`` finds as the text of a JSON array of {usid, part_no, via}. On
    PostgreSQL the database builds it (one value, no Python object per unit)."""
    if connection.vendor != "postgresql":
        return json.dumps(
            [
                {"usid": holder, "part_no": part_no, "via": via}
                for holder, part_no, via, _part_id in trace_forward(lot=lot, usid=usid)
            ]
        )
    sql, params = _forward_question(lot, usid)
    with connection.cursor() as cursor, _PlannedWithoutJit(cursor):
        cursor.execute(
            "SELECT COALESCE(json_agg(json_build_object('usid', t.usid, 'part_no', t.part_no,"
            " 'via', CASE WHEN t.via = '' THEN '[]'::json"
            " ELSE array_to_json(string_to_array(t.via, %s)) END)), '[]'::json)::text"
            f" FROM ({sql}) t",
            [VIA_SEPARATOR, *params],
        )
        return cursor.fetchone()[0]


def trace_tree(*, usid):
    """The tree of ``usid``'s components, recursively: a list of {key, usid or lot, part_no,
    stage, at, components}. One recursive query whatever the depth."""
    rows = _descendants(usid)
    by_parent = {}
    for row in rows:
        by_parent.setdefault(row.parent_usid, []).append(row)

    def branch(parent, depth):
        children = []
        for row in by_parent.get(parent, []):
            node = _component_json(row)
            if row.child_usid and depth < MAX_DEPTH:
                node["components"] = branch(row.child_usid, depth + 1)
            children.append(node)
        return children

    return branch(usid, 0)


def _descendants(usid):
    table = _q(Installation._meta.db_table)
    ids_sql = (
        f"WITH RECURSIVE down(id, child, depth) AS ("
        f" SELECT id, child_usid, 1 FROM {table} WHERE parent_usid = %s AND removed_at IS NULL"
        f" UNION ALL SELECT i.id, i.child_usid, d.depth + 1 FROM {table} i"
        f" JOIN down d ON i.parent_usid = d.child"
        f" WHERE i.removed_at IS NULL AND d.depth < %s) SELECT id FROM down"
    )
    return list(
        Installation.objects.filter(id__in=_raw_ids(ids_sql, [usid, MAX_DEPTH]))
        .select_related("child_part")
        .order_by("installed_at", "id")
    )


def _raw_ids(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def trace_up(*, usid):
    """The chain of units ``usid`` is installed in, nearest first: [{usid, part_no}]."""
    chain = []
    seen = {usid}
    current = unit_installed_in(usid=usid)
    while current is not None and current.parent_usid not in seen and len(chain) < MAX_DEPTH:
        chain.append({"usid": current.parent_usid, "part_no": current.parent_part.part_no})
        seen.add(current.parent_usid)
        current = unit_installed_in(usid=current.parent_usid)
    return chain


def station_component_entries(stage_key, parts):
    """{part_no: [{key, label, kind, part_no, required}]} for each of ``parts`` whose stage
    ``stage_key`` installs components."""
    entries = {}
    for part in parts:
        plan = plan_of_part(part)
        stage = plan.stage(stage_key) if plan else None
        if stage is not None and stage.components:
            entries[part.part_no] = [
                {
                    "key": entry.key,
                    "label": entry.label,
                    "kind": entry.kind,
                    "part_no": entry.part_no,
                    "required": entry.required,
                }
                for entry in stage.components
            ]
    return entries
