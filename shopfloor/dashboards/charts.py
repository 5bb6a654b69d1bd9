"""Charts drawn by the server as SVG: no script, nothing from the internet, readable on a TV.

Every chart is a pure function of its data returning safe SVG markup. The SVG scales to the
width of its container (``viewBox``) and its text is large for the drawing (the smallest is
18 units on an 800-unit-wide chart, so still readable on a line-side screen seen from a few
metres). Each chart is an ``img`` to assistive technology, named by its ``<title>`` and
described by a ``<desc>`` that reads out every value; each bar and point carries its own
``<title>`` as a tooltip. Colours come from the Okabe-Ito palette, which stays distinct for
colour-blind readers, and every value is also written as text, never shown by colour alone.
"""

import hashlib
import math
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

WIDTH = 800
FONT = 'font-family="Shopfloor Devanagari, system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'
TEXT = "#212529"
MUTED = "#495057"
GRID = "#ced4da"
# Okabe-Ito: distinct for colour-blind readers, dark enough for white text on the bars.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
TONES = {
    "done": "#009E73",
    "waiting": "#E69F00",
    "failed": "#D55E00",
    "neutral": "#0072B2",
}
LABEL_SIZE = 22
SMALL_SIZE = 18
TITLE_SIZE = 26
TITLE_ROOM = 44
TITLE_CHAR_WIDTH = 0.56  # of the font size: a little over the average of bold system-ui letters
MAX_LABEL_CHARS = 18
# A chart that spans a whole page is drawn wider and flatter, so it stays one screen tall.
WIDE_WIDTH = 1500
WIDE_HEIGHT = 330
DASH = "\u2013"  # an en dash: "no value"


@dataclass(frozen=True)
class Segment:
    """One part of a bar: its legend name, value and colour (a hex colour or a tone name)."""

    name: str
    value: float
    color: str = "neutral"

    @property
    def fill(self):
        return TONES.get(self.color, self.color)


@dataclass(frozen=True)
class BarRow:
    """One bar: its label, its segments (stacked left to right) and an optional note after it."""

    label: str
    segments: tuple
    note: str = ""

    @property
    def total(self):
        return sum(segment.value for segment in self.segments)


@dataclass(frozen=True)
class Series:
    """One line of a line chart: its name and one value per x label."""

    name: str
    values: tuple


def localized(value, decimals=None):
    """A number written as people of the active language read it, thousands grouped: 1,234.5
    in English, 1.234,5 in Spanish. ``value`` may be the text of a number ("12.5") to keep
    the digits it was formatted with; SVG coordinates never go through here."""
    return number_format(value, decimal_pos=decimals, force_grouping=True)


def number(value):
    """A count as people read it: 1,234,567; a fraction with one decimal."""
    if value is None:
        return DASH
    if isinstance(value, float) and not value.is_integer():
        return localized(value, 1)
    return localized(int(value))


def percent(value, decimals=1):
    """A share in percent with one decimal, e.g. 97.5 %; a dash when there is none."""
    return DASH if value is None else f"{localized(value, decimals)} %"


def nice_ticks(maximum, count=4):
    """Round axis ticks from 0 reaching at least ``maximum``: 0, 5, 10, 15, 20 for 17."""
    if maximum <= 0:
        return [0, 1]
    raw_step = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw_step))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if step >= raw_step:
            break
    if step < 1:
        step = 1
    top = math.ceil(maximum / step) * step
    ticks = []
    tick = 0
    while tick <= top + step / 1000:
        ticks.append(int(tick) if float(tick).is_integer() else tick)
        tick += step
    return ticks


def _short(label):
    label = str(label)
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…"


def _chart_id(title, payload):
    digest = hashlib.sha1(f"{title}|{payload}".encode()).hexdigest()[:10]
    return f"chart-{digest}"


def _svg(*, title, description, height, body, chart_id, width=WIDTH):
    """The chart's frame: its title written on top (and named for assistive technology),
    its description (a text, or the readings to join) and its body (markup or its pieces)."""
    if not isinstance(description, str):
        description = "; ".join(description) + "."
    if not isinstance(body, str):
        body = "".join(body)
    caption = _text(0, TITLE_SIZE, title, size=_title_size(title, width), weight="bold")
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height + TITLE_ROOM}" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" {FONT}>'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        f'<g aria-hidden="true">{caption}</g>'
        f'<g transform="translate(0 {TITLE_ROOM})">{body}</g></svg>'
    )


def _title_size(title, width):
    """The title's font size: TITLE_SIZE, smaller for a title too long to fit the width at it
    (a period and a scope in a wordier language), never below SMALL_SIZE."""
    fitting = width / (TITLE_CHAR_WIDTH * max(len(title), 1))
    return max(SMALL_SIZE, min(TITLE_SIZE, math.floor(fitting)))


def _text(x, y, content, *, size=LABEL_SIZE, anchor="start", fill=TEXT, weight="normal"):
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}" font-weight="{weight}">{escape(content)}</text>'
    )


def _empty(title, message, chart_id, width=WIDTH):
    body = _text(width / 2, 70, message, anchor="middle", fill=MUTED)
    return _svg(
        title=title, description=message, height=110, body=body, chart_id=chart_id, width=width
    )


def _legend(names_and_fills, y):
    parts = []
    x = 0.0
    for name, fill in names_and_fills:
        parts.append(f'<rect x="{x:.1f}" y="{y - 16}" width="20" height="20" fill="{fill}"/>')
        parts.append(_text(x + 28, y, name, size=SMALL_SIZE))
        x += 28 + len(name) * SMALL_SIZE * 0.6 + 28
    return "".join(parts)


def bar_chart(*, title, rows, scale_max=None, value_format=number, empty=None):
    """Horizontal bars, one per row, each stacked from its segments, with values as text.

    ``scale_max`` fixes the full width (e.g. 100 for percentages); otherwise the longest bar
    fills it. A legend is drawn when more than one segment name is used. The value after each
    bar is its total, or the row's ``note`` when it has one.
    """
    rows = list(rows)
    chart_id = _chart_id(title, repr(rows))
    if not rows:
        return _empty(title, empty or _("No data yet."), chart_id)
    legend = []
    for row in rows:
        for segment in row.segments:
            if (segment.name, segment.fill) not in legend:
                legend.append((segment.name, segment.fill))
    shows_legend = len({name for name, _fill in legend}) > 1
    label_width = min(max(len(_short(row.label)) for row in rows), MAX_LABEL_CHARS)
    left = max(label_width * LABEL_SIZE * 0.66, 60) + 16
    value_room = 190
    bar_room = WIDTH - left - value_room
    top = 44 if shows_legend else 8
    row_height = 50
    largest = scale_max or max((row.total for row in rows), default=0) or 1
    parts = [_legend(legend, 24)] if shows_legend else []
    described = []
    for index, row in enumerate(rows):
        y = top + index * row_height
        parts.append(_text(left - 12, y + 32, _short(row.label), anchor="end"))
        x = left
        pieces = []
        for segment in row.segments:
            width = max(bar_room * segment.value / largest, 0)
            if segment.value and width < 2:
                width = 2  # a small but non-zero value stays visible
            tip = _("%(label)s, %(name)s: %(value)s") % {
                "label": row.label,
                "name": segment.name,
                "value": value_format(segment.value),
            }
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 8}" width="{width:.1f}" height="34" '
                f'fill="{segment.fill}"><title>{escape(tip)}</title></rect>'
            )
            x += width
            pieces.append(f"{segment.name} {value_format(segment.value)}")
        shown = row.note or value_format(row.total)
        parts.append(_text(x + 10, y + 32, shown, weight="bold"))
        described.append(
            f"{row.label}: {', '.join(pieces)}" + (f" ({row.note})" if row.note else "")
        )
    height = top + len(rows) * row_height + 8
    return _svg(title=title, description=described, height=height, body=parts, chart_id=chart_id)


def funnel_chart(*, title, steps, empty=None):
    """A funnel: one centred bar per step (label, count), as wide as its share of the first.

    Each step shows its count and its share of the first step, so the drop from one stage to
    the next reads at a glance.
    """
    steps = list(steps)
    chart_id = _chart_id(title, repr(steps))
    if not steps or not max(value for _label, value in steps):
        return _empty(title, empty or _("No units yet."), chart_id)
    first = steps[0][1] or max(value for _label, value in steps)
    widest = max(value for _label, value in steps)
    label_room = 230
    value_room = 220
    bar_room = WIDTH - label_room - value_room
    centre = label_room + bar_room / 2
    row_height = 56
    parts = []
    described = []
    for index, (label, value) in enumerate(steps):
        y = 8 + index * row_height
        width = max(bar_room * value / widest, 2 if value else 0)
        share = 100 * value / first if first else 0
        parts.append(_text(label_room - 14, y + 34, _short(label), anchor="end"))
        tip = _("%(label)s: %(count)s (%(share)s of %(first)s)") % {
            "label": label,
            "count": number(value),
            "share": percent(share),
            "first": steps[0][0],
        }
        parts.append(
            f'<rect x="{centre - width / 2:.1f}" y="{y + 6}" width="{width:.1f}" height="40" '
            f'rx="4" fill="{PALETTE[0]}"><title>{escape(tip)}</title></rect>'
        )
        parts.append(_text(WIDTH - value_room + 14, y + 34, number(value), weight="bold"))
        parts.append(
            _text(WIDTH - 8, y + 34, percent(share, 0), size=SMALL_SIZE, anchor="end", fill=MUTED)
        )
        described.append(f"{label}: {number(value)} ({percent(share)})")
    height = 16 + len(steps) * row_height
    return _svg(title=title, description=described, height=height, body=parts, chart_id=chart_id)


def line_chart(
    *,
    title,
    x_labels,
    series,
    empty=None,
    max_x_labels=12,
    width=WIDE_WIDTH,
    height=WIDE_HEIGHT,
):
    """Lines over shared x labels (e.g. hours), with a y axis of round ticks and a legend.

    Every point is marked and carries a tooltip; at most ``max_x_labels`` x labels are written
    so they never overlap. The chart is drawn wide (``width`` by ``height`` units): it spans a
    page, where a drawing 800 units wide would be scaled up to a screen and a half tall.
    """
    x_labels = list(x_labels)
    series = [entry for entry in series if entry.values]
    chart_id = _chart_id(title, repr((x_labels, series)))
    if not x_labels or not series or not any(any(entry.values) for entry in series):
        empty = empty or _("Nothing recorded in this period.")
        return _empty(title, empty, chart_id, width=width)
    highest = max(max(entry.values) for entry in series)
    ticks = nice_ticks(highest)
    top_value = ticks[-1]
    left, right, top, bottom = 80, 24, 56, 48
    plot_width = width - left - right
    plot_height = height - top - bottom
    step = plot_width / max(len(x_labels) - 1, 1)

    def x_at(index):
        return left + (index * step if len(x_labels) > 1 else plot_width / 2)

    def y_at(value):
        return top + plot_height - plot_height * value / top_value

    parts = [
        _legend([(entry.name, PALETTE[i % len(PALETTE)]) for i, entry in enumerate(series)], 26)
    ]
    for tick in ticks:
        y = y_at(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        parts.append(_text(left - 10, y + 6, number(tick), size=SMALL_SIZE, anchor="end"))
    every = max(1, math.ceil(len(x_labels) / max_x_labels))
    for index, label in enumerate(x_labels):
        if index % every == 0:
            parts.append(
                _text(x_at(index), height - 16, label, size=SMALL_SIZE, anchor="middle", fill=MUTED)
            )
    described = []
    for number_of_series, entry in enumerate(series):
        colour = PALETTE[number_of_series % len(PALETTE)]
        points = " ".join(f"{x_at(i):.1f},{y_at(v):.1f}" for i, v in enumerate(entry.values))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="4" '
            f'stroke-linejoin="round"/>'
        )
        for index, value in enumerate(entry.values):
            tip = _("%(label)s, %(name)s: %(value)s") % {
                "label": entry.name,
                "name": x_labels[index],
                "value": number(value),
            }
            parts.append(
                f'<circle cx="{x_at(index):.1f}" cy="{y_at(value):.1f}" r="6" fill="{colour}">'
                f"<title>{escape(tip)}</title></circle>"
            )
        readings = ", ".join(
            f"{label} {number(value)}" for label, value in zip(x_labels, entry.values, strict=True)
        )
        described.append(f"{entry.name}: {readings}")
    return _svg(
        title=title,
        description=described,
        height=height,
        body=parts,
        chart_id=chart_id,
        width=width,
    )
