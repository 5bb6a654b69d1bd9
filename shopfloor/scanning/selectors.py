"""Reads of scanned units: a unit's state and history, a part's summary."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import Length

from shopfloor.scanning.input import is_code
from shopfloor.scanning.plans import plan_of_part
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
    matched: str  # "USID" or "tag"
    rank: int


def unit_lookup(*, text, plans, limit=LOOKUP_LIMIT):
    """Units whose USID or tag is ``text`` or holds it, letter case ignored, best first: the
    whole USID or tag, then those starting with it, then those holding it, each shortest and
    then alphabetically first; at most ``limit``.

    USIDs are searched in the USID index by its lower-case key (indexed by prefix and by
    trigram on PostgreSQL); tags in the unit tables of ``plans``, exactly by their index and
    by a part of them only for text of ``PARTIAL_MIN_LENGTH`` characters or more.
    """
    key = text.strip().lower()
    if not key or not is_code(text.strip()):
        return []
    found = {}

    def keep(match):
        known = found.get(match.usid.lower())
        if known is None or match.rank < known.rank:
            found[match.usid.lower()] = match

    registrations = UnitRegistration.objects.select_related("part")
    for registration in registrations.filter(usid_key=key):
        keep(_usid_match(registration, 0))
    prefix = registrations.filter(usid_key__startswith=key).exclude(usid_key=key)
    for registration in prefix.order_by(Length("usid_key"), "usid_key")[:limit]:
        keep(_usid_match(registration, 1))
    if len(key) >= PARTIAL_MIN_LENGTH:
        inside = registrations.filter(usid_key__contains=key).exclude(usid_key__startswith=key)
        for registration in inside.order_by(Length("usid_key"), "usid_key")[:limit]:
            keep(_usid_match(registration, 2))
    for plan in plans:
        for match in _tag_matches(plan, text.strip(), key, limit):
            keep(match)
    matches = sorted(found.values(), key=lambda m: (m.rank, len(m.usid), m.usid.lower()))
    return matches[:limit]


def _usid_match(registration, rank):
    return UnitMatch(registration.usid, registration.part.part_no, "", "USID", rank)


def _tag_matches(plan, text, key, limit):
    units = plan.unit_model.objects.exclude(tag_no=None)
    # The tag index finds a tag as typed, in capitals or in small letters at once.
    exact = units.filter(tag_no__in={text, text.upper(), text.lower()})
    rows = list(exact.values_list("usid", "tag_no")[:limit])
    if len(key) >= PARTIAL_MIN_LENGTH:
        partial = units.filter(tag_no__icontains=key).order_by(Length("tag_no"), "tag_no")
        rows += partial.values_list("usid", "tag_no")[:limit]
    for usid, tag_no in rows:
        tag = tag_no.lower()
        rank = 0 if tag == key else 1 if tag.startswith(key) else 2
        yield UnitMatch(usid, plan.part_no, tag_no, "tag", rank)
