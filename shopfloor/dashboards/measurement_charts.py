"""The charts of a measurement: a histogram with its limits drawn, and a run chart of the last
values with the limits as lines. Server-drawn SVG like every other chart (``charts``)."""

from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shopfloor.dashboards.charts import (
    GRID,
    MUTED,
    SMALL_SIZE,
    TONES,
    WIDTH,
    _chart_id,
    _empty,
    _svg,
    _text,
    localized,
    nice_ticks,
    number,
)

LIMIT = "#D55E00"
HEIGHT = 360
LEFT, RIGHT, TOP, BOTTOM = 80, 24, 40, 56


def _value(value):
    """A measured value to four significant digits, in the active language's number format."""
    text = f"{value:.4g}"
    return text if "e" in text or "n" in text else localized(text)


def _limit_name(name, limit):
    if name == "min":
        return _("min %(value)s") % {"value": _value(limit)}
    return _("max %(value)s") % {"value": _value(limit)}


def _limits(figures):
    return _("limits %(limits)s") % {"limits": figures.limits}


def _y_axis(parts, ticks, y_at):
    for tick in ticks:
        y = y_at(tick)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        parts.append(_text(LEFT - 10, y + 6, number(tick), size=SMALL_SIZE, anchor="end"))


def _limit_line(parts, x1, y1, x2, y2, label, anchor="middle"):
    parts.append(
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{LIMIT}" '
        f'stroke-width="3" stroke-dasharray="8 6"/>'
    )
    parts.append(
        _text(
            x1 if anchor != "end" else x2,
            y1 - 8,
            label,
            size=SMALL_SIZE,
            anchor=anchor,
            fill=LIMIT,
            weight="bold",
        )
    )


def histogram_chart(figures, *, title):
    """Bars of how many values fell in each bin, the limits as dashed lines over them; values
    beyond the drawn span are counted in the end bins."""
    entry = figures.field
    chart_id = _chart_id(title, repr((figures.edges, figures.bins)))
    if not figures.count:
        return _empty(title, _("No values recorded in this period."), chart_id)
    low, high = figures.edges[0], figures.edges[-1]
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    ticks = nice_ticks(max(figures.bins))

    def x_at(value):
        return LEFT + plot_width * (value - low) / (high - low)

    def y_at(count):
        return TOP + plot_height - plot_height * count / ticks[-1]

    parts = []
    _y_axis(parts, ticks, y_at)
    width = plot_width / len(figures.bins)
    described = []
    for index, count in enumerate(figures.bins):
        start, end = figures.edges[index], figures.edges[index + 1]
        inside = (entry.min is None or start >= entry.min) and (
            entry.max is None or end <= entry.max
        )
        fill = TONES["done"] if inside else TONES["failed"]
        tip = _("%(start)s to %(end)s %(unit)s: %(count)s") % {
            "start": _value(start),
            "end": _value(end),
            "unit": entry.unit,
            "count": number(count),
        }
        parts.append(
            f'<rect x="{LEFT + index * width + 1:.1f}" y="{y_at(count):.1f}" '
            f'width="{width - 2:.1f}" height="{y_at(0) - y_at(count):.1f}" fill="{fill}">'
            f"<title>{escape(tip)}</title></rect>"
        )
        if count:
            described.append(tip)
    for index in range(0, len(figures.edges), 5):
        parts.append(
            _text(
                x_at(figures.edges[index]),
                HEIGHT - 20,
                _value(figures.edges[index]),
                size=SMALL_SIZE,
                anchor="middle",
                fill=MUTED,
            )
        )
    for name, limit in (("min", entry.min), ("max", entry.max)):
        if limit is not None and low <= limit <= high:
            _limit_line(parts, x_at(limit), TOP, x_at(limit), y_at(0), _limit_name(name, limit))
    described.append(_limits(figures))
    return _svg(title=title, description=described, height=HEIGHT, body=parts, chart_id=chart_id)


def run_chart(figures, *, title):
    """The last values in the order they were recorded, the limits as dashed lines; a value
    outside its limits is drawn as a red point."""
    entry = figures.field
    values = figures.run
    chart_id = _chart_id(title, repr(values))
    if not values:
        return _empty(title, _("No values recorded in this period."), chart_id)
    known = [*values, *(v for v in (entry.min, entry.max) if v is not None)]
    low, high = min(known), max(known)
    margin = (high - low) * 0.1 or 1.0
    low, high = low - margin, high + margin
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_width / max(len(values) - 1, 1)

    def x_at(index):
        return LEFT + index * step

    def y_at(value):
        return TOP + plot_height - plot_height * (value - low) / (high - low)

    parts = []
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        value = low + (high - low) * fraction
        y = y_at(value)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        parts.append(_text(LEFT - 10, y + 6, _value(value), size=SMALL_SIZE, anchor="end"))
    for name, limit in (("min", entry.min), ("max", entry.max)):
        if limit is not None:
            _limit_line(
                parts,
                LEFT,
                y_at(limit),
                WIDTH - RIGHT,
                y_at(limit),
                _limit_name(name, limit),
                anchor="end",
            )
    points = " ".join(f"{x_at(i):.1f},{y_at(v):.1f}" for i, v in enumerate(values))
    parts.append(
        f'<polyline points="{points}" fill="none" stroke="{TONES["neutral"]}" stroke-width="3"/>'
    )
    for index, value in enumerate(values):
        bad = (entry.min is not None and value < entry.min) or (
            entry.max is not None and value > entry.max
        )
        fill = TONES["failed"] if bad else TONES["neutral"]
        parts.append(
            f'<circle cx="{x_at(index):.1f}" cy="{y_at(value):.1f}" r="{7 if bad else 5}" '
            f'fill="{fill}"><title>{escape(_value(value) + " " + entry.unit)}</title></circle>'
        )
    parts.append(
        _text(
            LEFT,
            HEIGHT - 20,
            ngettext(
                "last %(count)s value, oldest first",
                "last %(count)s values, oldest first",
                len(values),
            )
            % {"count": number(len(values))},
            size=SMALL_SIZE,
            fill=MUTED,
        )
    )
    described = [
        ngettext(
            "last %(count)s value: %(values)s", "last %(count)s values: %(values)s", len(values)
        )
        % {"count": number(len(values)), "values": ", ".join(_value(v) for v in values)},
        _limits(figures),
    ]
    return _svg(title=title, description=described, height=HEIGHT, body=parts, chart_id=chart_id)
