"""Process data on the part dashboard: per measurement, what the units recorded in a period.

For each measurement field (and the chosen period, by when its stage was recorded) one
aggregate query over the unit table gives the count, mean, standard deviation, the share
outside the limits and a histogram of BINS bins: the bins span the limits (widened by half
their span each side, so a drifting process shows before it fails), or the values' own range
when a limit is missing (one more query for it). A second query reads the last RUN_LENGTH
values for the run chart. A required field's missing count (its stage recorded, the value
not) is one more count. Each is a single scan of the unit table whatever the number of
units, on SQLite and PostgreSQL alike.
"""

import math
from dataclasses import dataclass

from django.db.models import Avg, Count, F, FloatField, Max, Min, Q, StdDev
from django.db.models.functions import Cast

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
    ``window``; fields in procedure order."""
    found = []
    for entry in plan.fields:
        stage = plan.stage(entry.stage) if entry.stage else None
        if entry.type != "measurement" or stage is None:
            continue
        found.append(_figures(plan, entry, stage, window))
    return found


def _figures(plan, entry, stage, window):
    units = plan.unit_model.objects.filter(
        **{f"{stage.at}__gte": window.start, f"{stage.at}__lt": window.end}
    )
    value = Cast(F(entry.column), FloatField())
    recorded = units.filter(**{f"{entry.column}__isnull": False})
    low, high = _range(entry, recorded, value)
    edges = tuple(low + (high - low) * index / BINS for index in range(BINS + 1))
    aggregates = {
        "count": Count("id"),
        "mean": Avg(value),
        "std_dev": StdDev(value, sample=True),
        "outside": Count("id", filter=_outside(entry)),
    }
    for index in range(BINS):
        condition = Q()
        if index > 0:
            condition &= Q(**{f"{entry.column}__gte": edges[index]})
        if index < BINS - 1:
            condition &= Q(**{f"{entry.column}__lt": edges[index + 1]})
        aggregates[f"bin_{index}"] = Count("id", filter=condition)
    figures = recorded.aggregate(**aggregates)
    run = list(
        recorded.order_by(f"-{stage.at}", "-id").values_list(entry.column, flat=True)[:RUN_LENGTH]
    )
    missing = None
    if entry.required:
        missing = units.filter(**{f"{entry.column}__isnull": True}).count()
    count = figures["count"]
    return MeasurementFigures(
        field=entry,
        stage_label=stage.label,
        count=count,
        mean=figures["mean"],
        std_dev=figures["std_dev"],
        cpk=cpk(entry, figures["mean"], figures["std_dev"]),
        outside=figures["outside"],
        missing=missing,
        edges=edges,
        bins=tuple(figures[f"bin_{index}"] for index in range(BINS)),
        run=tuple(float(value) for value in reversed(run)),
    )


def _outside(entry):
    condition = Q(pk__in=[])
    if entry.min is not None:
        condition |= Q(**{f"{entry.column}__lt": entry.min})
    if entry.max is not None:
        condition |= Q(**{f"{entry.column}__gt": entry.max})
    return condition


def _range(entry, recorded, value):
    """The histogram's span: the limits widened by half their span, else the values' range."""
    if entry.min is not None and entry.max is not None and entry.max > entry.min:
        margin = (entry.max - entry.min) / 2
        return entry.min - margin, entry.max + margin
    span = recorded.aggregate(low=Min(value), high=Max(value))
    known = [v for v in (span["low"], span["high"], entry.min, entry.max) if v is not None]
    low, high = (min(known), max(known)) if known else (0.0, 1.0)
    if high <= low:
        high = low + 1.0
    return float(low), float(high)


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
