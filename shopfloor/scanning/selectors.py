"""Reads of scanned units: a unit's state and history, a part's summary."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, Q
from django.db.models.functions import Collate

from parts.unit_tables.tag_index import with_tag_keys
from shopfloor.scanning.input import is_code
from shopfloor.scanning.plans import plan_of_part
from shopfloor.scanning.stage_data import json_value
from shopfloor.stations.models import ScanEvent, UnitRegistration


def unit_find(*, usid):
    """The unit ``usid`` names, whatever its letter case: (registration, plan, row as a dict),
    or None. ``registration.usid`` is the USID as registered.

    Text that cannot be a USID (a control character, too long) is no registered unit.
    """
    if not is_code(usid):
        return None
    registration = UnitRegistration.objects.select_related("part__procedure").find(usid)
    if registration is None:
        return None
    plan = plan_of_part(registration.part)
    row = plan.unit_model.objects.filter(usid=registration.usid).values().first() if plan else None
    return registration, plan, row


def unit_stage_states(*, plan, row):
    """Each stage of the unit, in process order: done, its result, when and by whom (user id)."""
    return [
        {
            "key": stage.key,
            "label": stage.label,
            "optional": stage.optional,
            "kind": "pass_fail" if stage.pass_fail else "done",
            "done": bool(row.get(stage.flag)),
            "result": row.get(stage.result) if stage.pass_fail else None,
            "at": row.get(stage.at),
            "by_id": row.get(stage.by),
        }
        for stage in plan.stages
    ]


def unit_data(*, plan, row):
    """The unit's field values as JSON carries them: ``{field key: value}`` (unset: null)."""
    return {entry.key: json_value(entry, row.get(entry.column)) for entry in plan.fields}


def unit_events(*, usid):
    """Every event of ``usid``, oldest first."""
    return (
        ScanEvent.objects.filter(usid=usid)
        .select_related("defect", "station", "user", "token")
        .order_by("created_at", "id")
    )


def part_summary(*, part):
    """Units of ``part`` per stage: done, failed (awaiting rework) and pending; one query."""
    plan = plan_of_part(part)
    stages = plan.stages if plan else ()
    aggregates = {"units": Count("id"), "on_hold": Count("id", filter=Q(on_hold=True))}
    for stage in stages:
        aggregates[f"done_{stage.key}"] = Count("id", filter=Q(**{stage.flag: True}))
        if stage.pass_fail:
            failed = Q(**{stage.result: "fail", stage.flag: False})
            aggregates[f"failed_{stage.key}"] = Count("id", filter=failed)
    counts = plan.unit_model.objects.aggregate(**aggregates) if plan else {"units": 0}
    units = counts["units"]
    return {
        "part_no": part.part_no,
        "model_no": part.model_no,
        "units": units,
        "on_hold": counts.get("on_hold", 0),
        "stages": [
            {
                "key": stage.key,
                "label": stage.label,
                "done": counts[f"done_{stage.key}"],
                "failed": counts.get(f"failed_{stage.key}", 0),
                "pending": units - counts[f"done_{stage.key}"],
            }
            for stage in stages
        ],
    }


LOOKUP_LIMIT = 50
PARTIAL_MIN_LENGTH = 3  # shorter text matches too much of the middle of USIDs to be useful


@dataclass(frozen=True)
class UnitMatch:
    """One unit the lookup found: its USID as registered, its part, its tag, and how well it
    matched (``rank``: 0 the whole USID or tag, 1 its start, 2 a part of it)."""

    usid: str
    part_no: str
    tag_no: str
    matched: str  # "USID" or "tag" (USIDs sort first: "USID" < "tag")
    rank: int


def unit_lookup(*, text, plans, limit=LOOKUP_LIMIT, whole_only=False):
    """Units whose USID or tag is ``text`` or holds it, letter case ignored, best first: the
    whole USID or tag, then those starting with it, then those holding it; within each, USIDs
    before tags, then in alphabetical order; at most ``limit``. When more than ``limit`` hold
    it, which of them are listed is not defined (typing more narrows the list). ``whole_only``
    stops after the whole matches (what a lookup opening one unit at once needs).

    USIDs are searched in the USID index by its lower-case key, tags in the unit tables of
    ``plans`` by their lower-case index (``parts.unit_tables.tag_index``), each walked in key
    order (a b-tree by prefix and a trigram index on PostgreSQL), so each step stops at
    ``limit`` rows; a step is skipped once better matches fill the list. Parts of a USID or
    tag are searched only for ``PARTIAL_MIN_LENGTH`` characters or more.
    """
    text = text.strip()
    key = text.lower()
    if not key or not is_code(text):
        return []
    found = {}

    def keep(matches):
        for match in matches:
            known = found.get(match.usid.lower())
            if known is None or (match.rank, match.matched) < (known.rank, known.matched):
                found[match.usid.lower()] = match

    def room():
        return limit - len(found)

    registrations = (
        UnitRegistration.objects.select_related("part")
        .annotate(ordered_key=_byte_ordered("usid_key"))
        .order_by("ordered_key")
    )
    tags = [(plan, with_tag_keys(plan.unit_model.objects.all(), connection)) for plan in plans]
    keep(_usid_match(row, 0) for row in registrations.filter(usid_key=key))
    for plan, units in tags:
        keep(_tag_matches(units.filter(tag_key=key).order_by(), plan, key, limit))
    if whole_only:
        return _best(found, limit)
    prefix = registrations.filter(ordered_key__startswith=key).exclude(usid_key=key)
    keep(_usid_match(row, 1) for row in prefix[: room()])
    for plan, units in tags:
        if room() > 0:
            starting = units.filter(tag_key__startswith=key).exclude(tag_key=key)
            keep(_tag_matches(starting.order_by("tag_key"), plan, key, room()))
    if len(key) < PARTIAL_MIN_LENGTH:
        return _best(found, limit)
    # Parts inside are fetched in no order: held by many, the first found end the scan (in
    # key order the database would sort them all); held by few, the trigram index finds them.
    if room() > 0:
        inside = registrations.filter(ordered_key__contains=key).exclude(
            ordered_key__startswith=key
        )
        keep(_usid_match(row, 2) for row in inside.order_by()[: room()])
    for plan, units in tags:
        if room() > 0:
            inside = units.filter(tag_lower__contains=key).exclude(tag_key__startswith=key)
            keep(_tag_matches(inside.order_by(), plan, key, room()))
    return _best(found, limit)


def _best(found, limit):
    matches = sorted(found.values(), key=lambda m: (m.rank, m.matched, m.usid.lower()))
    return matches[:limit]


def _byte_ordered(name):
    """The column in byte order on PostgreSQL (what its ``COLLATE "C"`` index of USID keys
    holds: a prefix is a range of it, in order); SQLite compares bytes already."""
    if connection.vendor == "postgresql":
        return Collate(name, "C")
    return F(name)


def _usid_match(registration, rank):
    return UnitMatch(registration.usid, registration.part.part_no, "", "USID", rank)


def _tag_matches(units, plan, key, limit):
    for usid, tag_no in units.values_list("usid", "tag_no")[:limit]:
        tag = tag_no.lower()
        rank = 0 if tag == key else 1 if tag.startswith(key) else 2
        yield UnitMatch(usid, plan.part_no, tag_no, "tag", rank)
