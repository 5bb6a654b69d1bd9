"""Values captured at a stage: the unit fields a procedure asks for with the scan of a stage.

A scan may carry ``data`` (``{field key: value}``) for the fields whose ``stage`` is the
scanned stage. ``stage_data_clean`` checks them against the procedure (type, choices, limits,
required on a pass), fills defaults, and, at a pass/fail stage scanned without a result,
derives it from the measurements: a value outside its limits fails the unit with the built-in
defect ``out_of_limits``. It returns a ``StageData`` that the scan rules write with the scan:
the unit columns go into the same UPDATE (or INSERT) as the stage, the values into the
event, so a scan and its values are recorded together or not at all.

Unique fields are held apart by a unique index on their column; ``unique_values_guard``
turns the database's refusal into ``409 duplicate_value`` naming the unit that holds the
value, so two scans at once can never both win.
"""

import datetime
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError
from django.utils.formats import get_format, number_format
from django.utils.translation import gettext as _

from procedures.config import field_value_problem
from shopfloor.scanning.refusals import ScanRefused, invalid
from shopfloor.stations.defect_reasons import OUT_OF_LIMITS
from shopfloor.stations.models import DefectReason, ScanEvent

NUMBER_PLACES = Decimal("0.000001")  # what a decimal or measurement column keeps
NUMERIC_TYPES = ("decimal", "measurement")
# A number as text, in one spelling only: digits, at most one decimal point, no thousands
# separators, no exponent (a person or the screen's own normalizing sends it so).
NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")
DECIMAL_COMMA = re.compile(r"[+-]?[0-9]+,[0-9]+")
TWO_WAYS = re.compile(r"[+-]?[1-9][0-9]{0,2},[0-9]{3}")
# Text that is a number written some other way: digits with points, commas or spaces.
LOOKS_LIKE_NUMBER = re.compile(r"\s*[+-]?[0-9][0-9.,'\s]*")


@dataclass(frozen=True)
class StageData:
    """The checked values of one scan: unit columns to write, the event's ``data``, the
    columns the scan sent itself (defaults excluded), its result and defect."""

    columns: dict
    event: dict | None
    sent: frozenset
    unique: dict
    result: str
    defect: object
    outside: dict = field(default_factory=dict)


def column_value(entry, value):
    """A checked JSON value as its unit column holds it (Decimal, date, or as sent)."""
    if entry.type in NUMERIC_TYPES:
        return Decimal(repr(value) if isinstance(value, float) else value).quantize(NUMBER_PLACES)
    if entry.type == "date":
        return datetime.date.fromisoformat(value)
    return value


def value_from_text(entry, text):
    """What a person typed for ``entry`` as the JSON value the field's check reads: a number
    or yes/no when it reads as one, the text itself otherwise (the check then names what is
    wrong with it); an empty box is None."""
    text = str(text).strip()
    if text == "":
        return None
    if entry.type == "boolean":
        return {"yes": True, "true": True, "no": False, "false": False}.get(text.lower(), text)
    if entry.type == "integer" and INTEGER_TEXT.fullmatch(text):
        return int(text)
    if entry.type in NUMERIC_TYPES:
        text = _decimal_comma_read(text)
        if NUMBER_TEXT.fullmatch(text):
            return int(text) if INTEGER_TEXT.fullmatch(text) else float(text)
    return text


def _decimal_comma_read(text):
    """``1,5`` as ``1.5`` where the reader's language writes a decimal comma (Spanish), as the
    scan screen reads it; a comma followed by exactly three digits (``1,234``: a thousand, or
    one and a bit?) is left as typed, to be refused rather than guessed."""
    if get_format("DECIMAL_SEPARATOR") != "," or not DECIMAL_COMMA.fullmatch(text):
        return text
    if TWO_WAYS.fullmatch(text):
        return text
    return text.replace(",", ".")


def number_text_problem(entry, value):
    """What is wrong with a number field's ``value`` sent as text, naming the field: the one
    spelling taken is ``1234.5`` (a decimal point, no thousands separators), so text such as
    ``1.234,5`` or ``1,2,3`` is refused rather than guessed. "" when it is not such a case."""
    if entry.type not in ("integer", *NUMERIC_TYPES) or not isinstance(value, str):
        return ""
    if not LOOKS_LIKE_NUMBER.fullmatch(value):
        return ""  # words: the field's own check says it must be a number
    return _(
        "%(field)s: %(text)s is not a number as it must be sent: digits with a decimal "
        "point and no thousands separators, e.g. 1234.5."
    ) % {"field": entry.label, "text": repr(value[:40])}


def json_value(entry, value):
    """A column value as JSON carries it: numbers as numbers, dates as YYYY-MM-DD."""
    if value is None:
        return None
    if entry.type == "integer":
        return int(value)
    if entry.type in NUMERIC_TYPES:
        number = Decimal(value).normalize()
        return int(number) if number == number.to_integral_value() else float(number)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def limits_text(entry):
    """A measurement's limits in words and in the reader's number format, e.g. ``4.75 to
    5.25 V`` (``4,75 a 5,25 V`` in Spanish) or ``at least 2 mA``."""
    unit = f" {entry.unit}" if entry.unit else ""
    low, high = (
        number_format(limit) if limit is not None else None for limit in (entry.min, entry.max)
    )
    if low is not None and high is not None:
        return _("%(min)s to %(max)s%(unit)s") % {"min": low, "max": high, "unit": unit}
    if low is not None:
        return _("at least %(min)s%(unit)s") % {"min": low, "unit": unit}
    if high is not None:
        return _("at most %(max)s%(unit)s") % {"max": high, "unit": unit}
    return _("no limits")


def is_outside(entry, value):
    """Whether a measurement ``value`` lies outside its inclusive limits."""
    number = float(value)
    return (entry.min is not None and number < entry.min) or (
        entry.max is not None and number > entry.max
    )


def stage_data_clean(plan, stage, *, data, result, result_sent, defect):
    """Check ``data`` sent with a scan of ``stage``; a ``StageData`` or ``ScanRefused``.

    ``result`` is the scan's result (``pass`` when none was sent, ``result_sent`` False).
    """
    entries = plan.stage_fields(stage.key)
    if data in (None, ""):
        data = {}
    if not isinstance(data, dict):
        raise invalid({"data": _('The data must be an object, e.g. {"v_out": 5.01}.')})
    if not data:
        defaults = _defaults_of(plan, stage)
        if defaults is not None and not (defaults.required and result == ScanEvent.Result.PASS):
            return StageData(
                dict(defaults.columns),
                dict(defaults.event) if defaults.event else None,
                frozenset(),
                dict(defaults.unique),
                result,
                defect,
            )
    by_key = {entry.key: entry for entry in entries}
    errors = {}
    for key in data:
        if key not in by_key:
            shown = str(key)[:40]
            known = ", ".join(by_key) or _("none")
            errors[f"data.{shown}"] = _(
                "%(key)s is not a field of the stage %(stage)s (its fields: %(known)s)."
            ) % {"key": shown, "stage": stage.label, "known": known}
    values = {}
    for entry in entries:
        value = data.get(entry.key)
        if value is None:
            continue
        problem = number_text_problem(entry, value) or field_value_problem(
            entry.entry, value, name=entry.label
        )
        if problem:
            errors[f"data.{entry.key}"] = problem
        else:
            values[entry.key] = value
    if errors:
        raise invalid(errors)
    sent = frozenset(by_key[key].column for key in values)
    for entry in entries:
        if entry.key not in values and entry.default is not None:
            values[entry.key] = entry.default
    outside = {
        f"data.{entry.key}": _("%(field)s %(value)s%(unit)s is outside its limits (%(limits)s).")
        % {
            "field": entry.label,
            "value": number_format(values[entry.key]),
            "unit": f" {entry.unit}" if entry.unit else "",
            "limits": limits_text(entry),
        }
        for entry in entries
        if entry.type == "measurement"
        and entry.key in values
        and is_outside(entry, values[entry.key])
    }
    if stage.pass_fail and outside:
        if not result_sent:
            result, defect = ScanEvent.Result.FAIL, out_of_limits_reason()
        elif result == ScanEvent.Result.PASS:
            raise ScanRefused(
                "out_of_limits",
                _("Not recorded as a pass: %(problems)s")
                % {"problems": " ".join(outside.values())},
                fields=outside,
            )
    if result == ScanEvent.Result.PASS:
        missing = {
            f"data.{entry.key}": _("%(field)s is required for a pass at %(stage)s.")
            % {"field": entry.label, "stage": stage.label}
            for entry in entries
            if entry.required and entry.key not in values
        }
        if missing:
            raise invalid(missing)
    columns = {
        by_key[key].column: column_value(by_key[key], value) for key, value in values.items()
    }
    unique = {
        by_key[key].column: columns[by_key[key].column] for key in values if by_key[key].unique
    }
    event = {key: json_value(by_key[key], columns[by_key[key].column]) for key in values} or None
    return StageData(columns, event, sent, unique, result, defect, outside)


@dataclass(frozen=True)
class _Defaults:
    """What a scan of a stage that sends no values writes: the stage's defaults as unit
    columns, as the event's data and as unique columns; ``required``: some field has no
    default and is required for a pass."""

    columns: dict
    event: dict | None
    unique: dict
    required: bool


def _defaults_of(plan, stage):
    """The ``_Defaults`` of ``stage``, worked out once per plan (a new procedure version is a
    new plan); None when a default measurement lies outside its limits (the full check then
    words it)."""
    key = ("stage_defaults", stage.key)
    if key in plan.kept:
        return plan.kept[key]
    entries = [entry for entry in plan.stage_fields(stage.key) if entry.default is not None]
    if any(entry.type == "measurement" and is_outside(entry, entry.default) for entry in entries):
        defaults = None
    else:
        columns = {entry.column: column_value(entry, entry.default) for entry in entries}
        defaults = _Defaults(
            columns=columns,
            event={entry.key: json_value(entry, columns[entry.column]) for entry in entries}
            or None,
            unique={entry.column: columns[entry.column] for entry in entries if entry.unique},
            required=any(
                entry.required and entry.default is None for entry in plan.stage_fields(stage.key)
            ),
        )
    plan.kept[key] = defaults
    return defaults


def out_of_limits_reason():
    """The built-in defect a fail derived from measurements is recorded with."""
    code, label = OUT_OF_LIMITS
    reason, _created = DefectReason.objects.get_or_create(code=code, defaults={"label": label})
    return reason


def data_conflict_check(plan, stage, usid, stage_data, row):
    """A repeat of a recorded scan must carry the values recorded: otherwise ``409
    data_conflict`` naming each differing value (nothing is overwritten)."""
    if stage_data is None or not stage_data.sent:
        return
    differing = {}
    for entry in plan.stage_fields(stage.key):
        if entry.column not in stage_data.sent:
            continue
        recorded, sent = row.get(entry.column), stage_data.columns[entry.column]
        if recorded != sent:
            differing[f"data.{entry.key}"] = _(
                "%(field)s: recorded %(recorded)s, sent %(sent)s."
            ) % {
                "field": entry.label,
                "recorded": repr(json_value(entry, recorded)),
                "sent": repr(json_value(entry, sent)),
            }
    if differing:
        raise ScanRefused(
            "data_conflict",
            _(
                "%(stage)s of %(usid)s is already recorded with other values; nothing was "
                "changed: %(problems)s"
            )
            % {"stage": stage.label, "usid": usid, "problems": " ".join(differing.values())},
            fields=differing,
        )


@contextmanager
def unique_values_guard(plan, usid, unique):
    """Turn the unique index's refusal of a value another unit holds into ``409
    duplicate_value`` naming that unit; ``unique`` maps the unique columns written to their
    values. Other integrity errors pass through."""
    try:
        yield
    except IntegrityError:
        holder = _holder(plan, usid, unique)
        if holder is None:
            raise
        entry, value, other = holder
        raise ScanRefused(
            "duplicate_value",
            _("%(field)s %(value)s is already held by %(other)s; %(usid)s was not recorded.")
            % {
                "field": entry.label,
                "value": json_value(entry, value),
                "other": other,
                "usid": usid,
            },
            fields={
                f"data.{entry.key}": _("%(value)s is held by %(other)s.")
                % {"value": json_value(entry, value), "other": other}
            },
            usid_holding=other,
        ) from None


def _holder(plan, usid, unique):
    entries = {entry.column: entry for entry in plan.fields}
    for column, value in unique.items():
        other = (
            plan.unit_model.objects.filter(**{column: value})
            .exclude(usid=usid)
            .values_list("usid", flat=True)
            .first()
        )
        if other is not None:
            return entries[column], value, other
    return None


def stage_fields_described(plan, stage_key):
    """The fields of ``stage_key`` as the scan screen asks for them (plain JSON)."""
    described = []
    for entry in plan.stage_fields(stage_key):
        item = {
            "key": entry.key,
            "label": entry.label,
            "type": entry.type,
            "required": entry.required,
        }
        for option in ("unit", "min", "max", "choices", "default", "help"):
            if entry.entry.get(option) not in (None, ""):
                item[option] = entry.entry[option]
        if entry.type == "measurement":
            item["limits"] = limits_text(entry)
        described.append(item)
    return described
