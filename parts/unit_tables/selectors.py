"""Reads of unit rows, through the part's current unit model."""

from parts.unit_tables.cache import unit_model_for
from parts.unit_tables.naming import (
    field_columns,
    stage_at_column,
    stage_by_column,
    stage_flag_column,
    stage_result_column,
)


def unit_get(*, part, usid):
    """The unit ``usid`` of ``part``, or None."""
    return unit_model_for(part).objects.filter(usid=usid).first()


def unit_as_dict(unit):
    """A unit as plain data: its stages (in process order) and its extra fields."""
    model = type(unit)
    stages = {}
    for stage in model.unit_stages:
        key = stage["key"]
        stages[key] = {
            "label": stage["label"],
            "done": getattr(unit, stage_flag_column(key)),
            "at": getattr(unit, stage_at_column(key)),
            "by": getattr(unit, stage_by_column(key)),
        }
        if stage["result"] == "pass_fail":
            stages[key]["result"] = getattr(unit, stage_result_column(key))
    return {
        "usid": unit.usid,
        "tag_no": unit.tag_no,
        "on_hold": unit.on_hold,
        "created_at": unit.created_at,
        "updated_at": unit.updated_at,
        "stages": stages,
        "fields": {
            entry["key"]: getattr(unit, field_columns(entry["key"])) for entry in model.unit_fields
        },
    }
