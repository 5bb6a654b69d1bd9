"""Reads of scanned units: a unit's state and history, a part's summary."""

from django.db.models import Count, Q

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
