"""Reads of the genealogy: what is in a unit, what it is in, and where a lot or a unit went.

Trace queries walk the installations with one recursive query each way, whatever the depth:

- forward from a lot (or a unit): the units holding it directly, then the units holding those,
  and so on, each with ``via``, the chain of child USIDs from the lot up to it;
- backward from a unit: its current components, recursively (the tree), and the chain of
  units it is installed in, up to the top.

Only current installations count (a repaired-out child no longer holds anything).
"""

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


def _forward_sql(start_column):
    """The recursive trace up from a lot or a child unit.

    A child is installed in at most one unit at a time (the partial unique index), so each
    step up is one lookup of that index per unit. PostgreSQL is told so with a LATERAL
    subquery limited to one row, which it cannot turn into a hash join over the whole table
    (its estimate of a recursive step's size is blind); SQLite joins by the index by itself.
    """
    table = _q(Installation._meta.db_table)
    if connection.vendor == "postgresql":
        step = (
            f" FROM up u CROSS JOIN LATERAL (SELECT parent_usid, parent_part_id FROM {table}"
            f" WHERE child_usid = u.usid AND removed_at IS NULL LIMIT 1) i"
            f" WHERE u.depth < %s"
        )
        child = "u.usid"
    else:
        step = (
            f" FROM {table} i JOIN up u ON i.child_usid = u.usid"
            f" WHERE i.removed_at IS NULL AND u.depth < %s"
        )
        child = "i.child_usid"
    return (
        f"WITH RECURSIVE up(usid, part_id, via, depth) AS ("
        f" SELECT parent_usid, parent_part_id, CAST('' AS TEXT), 1 FROM {table}"
        f" WHERE {start_column} = %s AND removed_at IS NULL"
        f" UNION ALL SELECT i.parent_usid, i.parent_part_id,"
        f" CASE WHEN u.via = '' THEN {child} ELSE u.via || %s || {child} END, u.depth + 1"
        f"{step})"
        f" SELECT up.usid, p.{_q('part_no')}, up.via, up.part_id FROM up"
        f" JOIN {_q(ModelPart._meta.db_table)} p ON p.{_q('id')} = up.part_id"
    )


def trace_forward(*, lot=None, usid=None):
    """Every unit holding the lot code ``lot`` (or the unit ``usid``), directly or through
    child units: an iterator of (usid, part_no, via, part_id), ``via`` the list of child
    USIDs from the lot (or unit) up to the holder. A cursor read in chunks, so a recall of
    100,000 units streams."""
    column = "lot" if lot is not None else "child_usid"
    with connection.cursor() as cursor:
        cursor.execute(_forward_sql(column), [lot or usid, VIA_SEPARATOR, MAX_DEPTH])
        while True:
            rows = cursor.fetchmany(2000)
            if not rows:
                return
            for holder, part_no, via, part_id in rows:
                yield holder, part_no, via.split(VIA_SEPARATOR) if via else [], part_id


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
