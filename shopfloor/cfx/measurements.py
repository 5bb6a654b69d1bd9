"""Measurements a machine reports, as the stage data of the scan that records its unit.

A ``UnitsTested`` measurement whose name an engineer mapped to a procedure field becomes the
value of that field in the scan's ``data``: the scan rules check and keep it exactly as they
do the scan API's data, in the scan's transaction. The machine also says which limits it
tested against; when they are not the field's limits, the disagreement is flagged on the
scan and in the message log (the field's limits decide, as for every scan).
"""

import math

from shopfloor.cfx.envelopes import MessageRefused
from shopfloor.cfx.models import LIMITS_DISAGREE
from shopfloor.scanning.stage_data import limits_text


def measurement_data(usid, measurements, field_keys):
    """``{field key: value}`` of the mapped ``measurements`` of unit ``usid``; two
    measurements filling one field with different values are refused."""
    data, filled_by = {}, {}
    for measurement in measurements:
        key = field_keys.get(measurement.name)
        if key is None:
            continue
        value = measurement.value
        if value.is_integer() and abs(value) < 2**53:
            value = int(value)
        if key in data and data[key] != value:
            raise MessageRefused(
                f"{usid}: measurements {filled_by[key]} and {measurement.name} both fill the "
                f"field {key}, with {data[key]} and {value}: map only one of them."
            )
        data[key], filled_by[key] = value, measurement.name
    return data


def limits_disagreement(plan, stage_key, measurements, field_keys):
    """Lines naming each mapped measurement whose limits in the message are not its field's
    (a limit the message leaves out is not compared)."""
    fields = {entry.key: entry for entry in plan.stage_fields(stage_key)}
    lines = []
    for measurement in measurements:
        entry = fields.get(field_keys.get(measurement.name))
        if entry is None or entry.type != "measurement":
            continue
        if _same(measurement.minimum, entry.min) and _same(measurement.maximum, entry.max):
            continue
        sent = limits_text(
            _Limits(measurement.minimum, measurement.maximum, measurement.units or entry.unit)
        )
        lines.append(
            f"{LIMITS_DISAGREE}: {measurement.name} was tested against {sent}, {entry.label} "
            f"allows {limits_text(entry)}."
        )
    return lines


def _same(sent, kept):
    if sent is None:
        return True
    if kept is None:
        return False
    return math.isclose(sent, float(kept), rel_tol=1e-9, abs_tol=1e-9)


class _Limits:
    def __init__(self, low, high, unit):
        self.min, self.max, self.unit = (_shown(low), _shown(high), unit)


def _shown(number):
    if number is None:
        return None
    return int(number) if number.is_integer() else number
