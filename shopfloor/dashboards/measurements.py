"""Process data on the part dashboard: per measurement, what the units recorded in a period.

For the measurements of one stage (and the chosen period, by when the stage was recorded: an
index on the stage's time column, made by the unit-table engine, finds those units) one query
over the unit table, grouped by the bin number of every measurement at once, gives each
histogram of BINS bins and, added up over the groups, each one's count, sum and sum of squares
(so mean and standard deviation), share outside the limits and missing values (a required
field: the stage recorded, the value not). The bins span the limits, widened by half their
span each side so a drifting process shows before it fails, or the values' own range when a
limit is missing (one more query, for all such measurements at once); bin numbers are
computed in whole numbers, so a value on an edge always lands in the bin that starts there.
One more query reads the last RUN_LENGTH units' values for the run charts. The same queries
run on SQLite and PostgreSQL.
"""

import json
import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    Min,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Greatest, Least, Round
from django.utils.translation import gettext as _

from parts.unit_tables.builder import DECIMAL_PLACES
from shopfloor.dashboards.charts import localized, percent
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
    # Figures of a sample (a period too long to read whole): its share of the units, in %, and
    # how many units the database estimates the period holds; None when every unit was read.
    sample_percent: float | None = None
    units_estimated: int | None = None

    @property
    def outside_share(self):
        return 100 * self.outside / self.count if self.count else None

    @property
    def limits(self):
        return limits_text(self.field)

    @property
    def sample_note(self):
        """Whence the figures came when they are a sample's, in words; "" when not."""
        if self.sample_percent is None:
            return ""
        return _(
            "Values, histogram and figures from a random %(share)s of the period's about "
            "%(units)s units."
        ) % {"share": percent(self.sample_percent), "units": localized(self.units_estimated)}


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
    """The figures of ``stage``'s measurements for the units recorded there in ``window``: one
    grouped query gives every histogram and every moment at once, one more the last values
    (and, before them, one for the spans of the histograms whose measurement lacks a limit)."""
    units = plan.unit_model.objects.filter(
        **{f"{stage.at}__gte": window.start, f"{stage.at}__lt": window.end}
    )
    sample = Sample.of(units)
    spans = _spans(entries, units, sample)
    groups = {
        f"bin_{number}": _bin(entry, spans[entry.key]) for number, entry in enumerate(entries)
    }
    aggregates = {"units": Count("id")}
    for number, entry in enumerate(entries):
        value = Cast(F(entry.column), FloatField())
        aggregates |= {
            f"count_{number}": Count(entry.column),
            f"sum_{number}": Sum(value),
            f"squares_{number}": Sum(value * value),
            f"outside_{number}": Count("id", filter=_outside(entry)),
        }
    rows = sample.rows(units.annotate(**groups).values(*groups).annotate(**aggregates).order_by())
    last = list(
        units.order_by(f"-{stage.at}", "-id").values_list(*(entry.column for entry in entries))[
            :RUN_LENGTH
        ]
    )
    for number, entry in enumerate(entries):
        totals = _totals(rows, number)
        count = totals["count"]
        mean = totals["sum"] / count if count else None
        std_dev = _std_dev(count, mean, totals["squares"])
        yield MeasurementFigures(
            field=entry,
            stage_label=stage.label,
            count=count,
            mean=mean,
            std_dev=std_dev,
            cpk=cpk(entry, mean, std_dev),
            outside=totals["outside"],
            missing=totals["missing"] if entry.required else None,
            edges=spans[entry.key].edges(),
            bins=tuple(totals["bins"]),
            run=tuple(float(row[number]) for row in reversed(last) if row[number] is not None),
            sample_percent=sample.percent,
            units_estimated=sample.units_estimated,
        )


# A period with more units than SAMPLE_ABOVE (the planner's estimate) is read from a sample of
# about SAMPLE_SIZE of them on PostgreSQL: its data pages picked at random, with a fixed seed so
# the page shows the same figures until the units change. Reading a million units whole takes
# seconds; a histogram, mean, standard deviation, Cpk and share outside the limits from 50,000
# of them differ from the whole in the third digit.
SAMPLE_ABOVE = 100_000
SAMPLE_SIZE = 50_000


@dataclass(frozen=True)
class Sample:
    """How a period's units are read: whole (``percent`` None) or a share of their pages."""

    percent: float | None = None
    units_estimated: int | None = None

    @classmethod
    def of(cls, units):
        if connection.vendor != "postgresql":
            return cls()
        plan = json.loads(units.only("id").explain(format="json"))
        estimated = int(plan[0]["Plan"]["Plan Rows"])
        if estimated <= SAMPLE_ABOVE:
            return cls()
        return cls(percent=min(100.0, 100 * SAMPLE_SIZE / estimated), units_estimated=estimated)

    def rows(self, queryset):
        """The rows of ``queryset`` (a ``values()`` query) as dicts, read from the sample."""
        if self.percent is None:
            return list(queryset)
        sql, params = queryset.query.sql_with_params()
        table = connection.ops.quote_name(queryset.model._meta.db_table)
        sampled = f"FROM {table} TABLESAMPLE SYSTEM ({self.percent:.6f}) REPEATABLE (17)"
        with connection.cursor() as cursor:
            cursor.execute(sql.replace(f"FROM {table}", sampled, 1), params)
            names = [column.name for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _totals(rows, number):
    """One measurement's histogram and moments, added up over the groups of the query."""
    totals = {"count": 0, "sum": 0.0, "squares": 0.0, "outside": 0, "missing": 0}
    totals["bins"] = [0] * BINS
    for row in rows:
        index = row[f"bin_{number}"]
        if index is None:
            totals["missing"] += row["units"]
            continue
        totals["bins"][int(index)] += row["units"]
        totals["count"] += row[f"count_{number}"]
        totals["sum"] += row[f"sum_{number}"] or 0.0
        totals["squares"] += row[f"squares_{number}"] or 0.0
        totals["outside"] += row[f"outside_{number}"]
    return totals


def _std_dev(count, mean, squares):
    """The sample standard deviation from the count, mean and sum of squares (one pass, the
    same on every database; SQLite has no STDDEV of its own)."""
    if count is None or count < 2 or mean is None or squares is None:
        return None
    variance = (squares - count * mean * mean) / (count - 1)
    return math.sqrt(variance) if variance > 0 else 0.0


# The bin numbers are computed in whole numbers of the smallest step a decimal column holds
# (a millionth), so no rounding of binary fractions moves a value across an edge. A span so
# wide that its whole numbers would not fit 64 bits is counted in coarser steps.
BIGGEST = 2**62


@dataclass(frozen=True)
class Span:
    """A histogram's span from ``low`` to ``high`` (decimals), counted in steps of
    ``10 ** -digits``: bin ``i`` holds the values from edge ``i`` (included) to edge ``i + 1``
    (excluded); the last bin holds its upper edge too, and values beyond either end are counted
    in the end bins."""

    low: Decimal
    high: Decimal
    digits: int

    @classmethod
    def around(cls, low, high):
        digits = DECIMAL_PLACES
        largest = max(abs(low), abs(high), Decimal(1))
        while digits > -18 and largest * 10**digits * BINS * 4 >= BIGGEST:
            digits -= 1
        step = Decimal(1).scaleb(-digits)
        low = low.quantize(step, rounding=ROUND_FLOOR) if digits >= 0 else _floor(low, step)
        high = high.quantize(step, rounding=ROUND_CEILING) if digits >= 0 else _ceil(high, step)
        return cls(low, high if high > low else low + step, digits)

    def steps(self, value):
        return int((value * Decimal(10) ** self.digits).to_integral_value())

    def edges(self):
        span = self.high - self.low
        return tuple(float(self.low + span * index / BINS) for index in range(BINS + 1))


def _floor(value, step):
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step


def _ceil(value, step):
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step


def _bin(entry, span):
    """The bin number of the entry's value (None without a value), exactly: the value, held
    within the span, in whole steps; its distance from the low end times BINS, divided (whole
    numbers) by the span's width."""
    held = Greatest(Least(F(entry.column), Value(span.high)), Value(span.low))
    scale = Value(Decimal(10) ** span.digits)
    steps = Cast(Round(held * scale), BigIntegerField())
    low, width = span.steps(span.low), span.steps(span.high) - span.steps(span.low)
    number = ExpressionWrapper(
        (steps - Value(low)) * Value(BINS) / Value(width), output_field=BigIntegerField()
    )
    return Case(
        When(**{f"{entry.column}__isnull": False}, then=Least(number, Value(BINS - 1))),
        default=None,
        output_field=BigIntegerField(),
    )


def _outside(entry):
    condition = Q(pk__in=[])
    if entry.min is not None:
        condition |= Q(**{f"{entry.column}__lt": entry.min})
    if entry.max is not None:
        condition |= Q(**{f"{entry.column}__gt": entry.max})
    return condition


def _limit(value):
    """A limit from the procedure (a JSON number) as the decimal it was written as."""
    return None if value is None else Decimal(repr(value))


def _spans(entries, units, sample):
    """Each histogram's span: the limits widened by half their span each side, else (a limit
    missing) the values' range with the limit there is, read in one query for all."""
    spans = {}
    open_ended = []
    for entry in entries:
        low, high = _limit(entry.min), _limit(entry.max)
        if low is not None and high is not None and high > low:
            margin = (high - low) / 2
            spans[entry.key] = Span.around(low - margin, high + margin)
        else:
            open_ended.append(entry)
    if open_ended:
        ranges = {}
        for number, entry in enumerate(open_ended):
            ranges |= {f"low_{number}": Min(entry.column), f"high_{number}": Max(entry.column)}
        whole = units.annotate(whole=Value(1)).values("whole")  # a constant: one group, all
        found = sample.rows(whole.annotate(**ranges).values(*ranges).order_by())[0]
        for number, entry in enumerate(open_ended):
            known = [
                Decimal(v) if not isinstance(v, Decimal) else v
                for v in (found[f"low_{number}"], found[f"high_{number}"])
                if v is not None
            ] + [v for v in (_limit(entry.min), _limit(entry.max)) if v is not None]
            low, high = (min(known), max(known)) if known else (Decimal(0), Decimal(1))
            spans[entry.key] = Span.around(low, high if high > low else low + 1)
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
