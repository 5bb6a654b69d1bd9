"""Process data on the part dashboard: per measurement, what the units recorded in a period.

For the measurements of one stage (and the chosen period, by when the stage was recorded) one
aggregate query over the unit table gives each one's count, mean, standard deviation, share
outside the limits and missing values (a required field: the stage recorded, the value not).
Each histogram of BINS bins is one GROUP BY on the bin number (on PostgreSQL about four times
faster than counting each bin with a FILTER in the aggregate). The bins span the limits,
widened by half their span each side so a drifting process shows before it fails, or the
values' own range when a limit is missing (one more query, for all such measurements at
once). One more query reads the last RUN_LENGTH units' values for the run charts. The same
queries run on SQLite and PostgreSQL.
"""

import math
from dataclasses import dataclass

from django.db.models import Avg, Count, F, FloatField, Max, Min, Q, Sum, Value
from django.db.models.functions import Cast, Floor, Greatest, Least

from shopfloor.scanning.stage_data import limits_text

BINS = 20
RUN_LENGTH = 50


@dataclass(frozen=True)
class MeasurementFigures:
    """What a period's values of one measurement show."""

    field: object
    stage_label: str
    count: int
    mean: float | None
    std_dev: float | None
    cpk: float | None
    outside: int
    missing: int | None  # units recorded at the stage without the value (required fields)
    edges: tuple  # BINS + 1 bin edges
    bins: tuple  # BINS counts; values below or above the edges are counted in the end bins
    run: tuple  # the last values, oldest first

    @property
    def outside_share(self):
        return 100 * self.outside / self.count if self.count else None

    @property
    def limits(self):
        return limits_text(self.field)


def measurement_figures(*, plan, window):
    """Figures of every measurement field with a stage, for units whose stage was recorded in
    ``window``; fields in procedure order. The fields of one stage share their queries."""
    by_stage = {}
    for entry in plan.fields:
        stage = plan.stage(entry.stage) if entry.stage else None
        if entry.type == "measurement" and stage is not None:
            by_stage.setdefault(stage, []).append(entry)
    found = {}
    for stage, entries in by_stage.items():
        for figures in _stage_figures(plan, stage, entries, window):
            found[figures.field.key] = figures
    return [found[entry.key] for entry in plan.fields if entry.key in found]


def _stage_figures(plan, stage, entries, window):
    """One scan of the units recorded at ``stage`` in ``window`` for every figure of its
    measurements, one for their last values, and one for the histograms' spans when a
    measurement lacks a limit."""
    units = plan.unit_model.objects.filter(
        **{f"{stage.at}__gte": window.start, f"{stage.at}__lt": window.end}
    )
    spans = _spans(entries, units)
    aggregates = {}
    for number, entry in enumerate(entries):
        value = Cast(F(entry.column), FloatField())
        recorded = Q(**{f"{entry.column}__isnull": False})
        aggregates |= {
            f"count_{number}": Count(entry.column),
            f"mean_{number}": Avg(value),
            f"squares_{number}": Sum(value * value),
            f"outside_{number}": Count("id", filter=_outside(entry)),
            f"missing_{number}": Count("id", filter=~recorded),
        }
    totals = units.aggregate(**aggregates)
    histograms = {entry.key: _histogram(units, entry, *spans[entry.key]) for entry in entries}
    last = list(
        units.order_by(f"-{stage.at}", "-id").values_list(*(entry.column for entry in entries))[
            :RUN_LENGTH
        ]
    )
    for number, entry in enumerate(entries):
        count, mean = totals[f"count_{number}"], totals[f"mean_{number}"]
        std_dev = _std_dev(count, mean, totals[f"squares_{number}"])
        yield MeasurementFigures(
            field=entry,
            stage_label=stage.label,
            count=count,
            mean=mean,
            std_dev=std_dev,
            cpk=cpk(entry, mean, std_dev),
            outside=totals[f"outside_{number}"],
            missing=totals[f"missing_{number}"] if entry.required else None,
            edges=_edges(*spans[entry.key]),
            bins=histograms[entry.key],
            run=tuple(float(row[number]) for row in reversed(last) if row[number] is not None),
        )


def _std_dev(count, mean, squares):
    """The sample standard deviation from the count, mean and sum of squares (one pass, the
    same on every database; SQLite has no STDDEV of its own)."""
    if count is None or count < 2 or mean is None or squares is None:
        return None
    variance = (squares - count * mean * mean) / (count - 1)
    return math.sqrt(variance) if variance > 0 else 0.0


def _histogram(units, entry, low, high):
    """How many values fall in each of the BINS bins from ``low`` to ``high`` (values beyond
    counted in the end bins): one GROUP BY on the bin number, a few rows back."""
    width = (high - low) / BINS
    number = Floor((Cast(F(entry.column), FloatField()) - Value(low)) / Value(width))
    clamped = Least(Greatest(number, Value(0.0)), Value(float(BINS - 1)))
    counts = [0] * BINS
    rows = (
        units.filter(**{f"{entry.column}__isnull": False})
        .annotate(bin=clamped)
        .values("bin")
        .annotate(units=Count("id"))
        .order_by()
        .values_list("bin", "units")
    )
    for index, found in rows:
        counts[int(index)] += found
    return tuple(counts)


def _edges(low, high):
    return tuple(low + (high - low) * index / BINS for index in range(BINS + 1))


def _outside(entry):
    condition = Q(pk__in=[])
    if entry.min is not None:
        condition |= Q(**{f"{entry.column}__lt": entry.min})
    if entry.max is not None:
        condition |= Q(**{f"{entry.column}__gt": entry.max})
    return condition


def _spans(entries, units):
    """Each histogram's span: the limits widened by half their span each side, else (a limit
    missing) the values' range with the limit there is, read in one query for all."""
    spans = {}
    open_ended = []
    for entry in entries:
        if entry.min is not None and entry.max is not None and entry.max > entry.min:
            margin = (entry.max - entry.min) / 2
            spans[entry.key] = (entry.min - margin, entry.max + margin)
        else:
            open_ended.append(entry)
    if open_ended:
        ranges = {}
        for number, entry in enumerate(open_ended):
            value = Cast(F(entry.column), FloatField())
            ranges |= {f"low_{number}": Min(value), f"high_{number}": Max(value)}
        found = units.aggregate(**ranges)
        for number, entry in enumerate(open_ended):
            known = [
                v
                for v in (found[f"low_{number}"], found[f"high_{number}"], entry.min, entry.max)
                if v is not None
            ]
            low, high = (min(known), max(known)) if known else (0.0, 1.0)
            spans[entry.key] = (float(low), float(high) if high > low else float(low) + 1.0)
    return spans


def cpk(entry, mean, std_dev):
    """The process capability index: the distance from the mean to the nearer limit, in units
    of three standard deviations (one-sided with one limit); None without limits or spread."""
    if mean is None or not std_dev or (entry.min is None and entry.max is None):
        return None
    distances = []
    if entry.max is not None:
        distances.append(entry.max - mean)
    if entry.min is not None:
        distances.append(mean - entry.min)
    result = min(distances) / (3 * std_dev)
    return result if math.isfinite(result) else None
