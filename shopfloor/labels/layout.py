"""Where everything sits on a label, in millimetres, and whether it fits at all.

``label_layout`` places the barcode at the top and the human-readable lines below it. Sizes
are held to what a label printer can print and a scanner can read: a module (the narrowest
bar, or one square of a 2D code) is never under ``MIN_MODULE_MM`` (two dots of a 203 dpi
printer), bars are at least ``MIN_BAR_HEIGHT_MM`` tall, and every text line fits the width.
Anything else is refused with ``LabelDoesNotFit`` saying what needs how much room.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from fpdf import FPDF

from shopfloor.labels.symbols import QUIET_ZONE, SYMBOLOGIES, symbol_encode

MARGIN_MM = 1.5
MIN_MODULE_MM = 0.25
MAX_MODULE_MM = 1.0
MIN_BAR_HEIGHT_MM = 5.0
MAX_BAR_HEIGHT_MM = 20.0
TEXT_PT = 7
LINE_MM = 3.0
PT_TO_MM = 25.4 / 72


class LabelDoesNotFit(ValueError):
    """The label asked for cannot be printed on its size; the message says why."""


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class TextLine:
    x: float
    y: float  # baseline
    text: str
    size_pt: float = TEXT_PT


@dataclass(frozen=True)
class Layout:
    """A label drawn as dark boxes and text lines on ``width`` x ``height`` mm."""

    width: float
    height: float
    boxes: tuple
    lines: tuple
    symbol_origin: tuple  # (x, y) of the first module, in mm
    module: float  # mm
    bar_height: float  # mm, Code 128 only


_metrics = FPDF()
_metrics.set_font("helvetica", size=TEXT_PT)


def text_width_mm(text, size_pt=TEXT_PT):
    """The printed width of ``text`` in Helvetica (the PDF's font), in millimetres."""
    _metrics.set_font("helvetica", size=size_pt)
    return _metrics.get_string_width(text)


def _check_printable(text, what):
    """Labels carry printable ASCII only: what barcodes and the printers' fonts hold alike."""
    for position, char in enumerate(text, start=1):
        if not " " <= char <= "~":
            raise LabelDoesNotFit(
                _(
                    "%(what)s %(text)r holds %(char)r at position %(position)s: labels print "
                    "ASCII letters, digits and signs only."
                )
                % {"what": what, "text": text[:40], "char": char, "position": position}
            )


def _mm(value):
    return f"{value:.1f} mm"


def label_layout(*, width, height, symbology, data, lines, text_pt=TEXT_PT):
    """Lay out ``data`` in ``symbology`` with text ``lines`` (``text_pt`` points) below, the
    whole centred on a ``width`` x ``height`` mm label. Raises ``LabelDoesNotFit`` naming
    what does not fit and how much it needs."""
    width, height = float(width), float(height)
    _check_printable(data, _("The barcode's text"))
    for line in lines:
        _check_printable(line, _("The line"))
    inner_width = width - 2 * MARGIN_MM
    line_mm = LINE_MM * text_pt / TEXT_PT
    # Lines below the barcode, a third of a line apart from it.
    text_height = line_mm * len(lines) + (line_mm / 3 if lines else 0)
    for line in lines:
        needed = text_width_mm(line, text_pt)
        if needed > inner_width:
            raise LabelDoesNotFit(
                _('The text "%(line)s" needs %(needed)s of width; the label is %(width)s wide.')
                % {"line": line, "needed": _mm(needed + 2 * MARGIN_MM), "width": _mm(width)}
            )
    symbol = symbol_encode(symbology, data)
    quiet = QUIET_ZONE[symbology]
    columns = symbol.columns + 2 * quiet
    room_height = height - 2 * MARGIN_MM - text_height
    if symbol.linear:
        module = min(inner_width / columns, MAX_MODULE_MM / 2)
        if module < MIN_MODULE_MM:
            raise LabelDoesNotFit(
                _(
                    "A Code 128 of %(data)s needs %(needed)s of width; the label is %(width)s "
                    "wide. Use a wider label or a 2D symbology."
                )
                % {
                    "data": data,
                    "needed": _mm(columns * MIN_MODULE_MM + 2 * MARGIN_MM),
                    "width": _mm(width),
                }
            )
        bar_height = min(room_height, MAX_BAR_HEIGHT_MM)
        if bar_height < MIN_BAR_HEIGHT_MM:
            needed = MIN_BAR_HEIGHT_MM + text_height + 2 * MARGIN_MM
            raise LabelDoesNotFit(
                _(
                    "The bars and %(lines)s text line(s) need %(needed)s of height; the label "
                    "is %(height)s high. Show fewer lines or use a taller label."
                )
                % {"lines": len(lines), "needed": _mm(needed), "height": _mm(height)}
            )
        rows_height = bar_height
    else:
        rows = len(symbol.rows) + 2 * quiet
        module = min(inner_width / columns, room_height / rows, MAX_MODULE_MM)
        if module < MIN_MODULE_MM:
            side = columns * MIN_MODULE_MM
            raise LabelDoesNotFit(
                _(
                    "The %(symbology)s of %(data)s needs %(side)s square above %(lines)s text "
                    "line(s) (%(high)s high, %(wide)s wide); the label is %(width)s x %(height)s."
                )
                % {
                    "symbology": symbology_name(symbology),
                    "data": data,
                    "side": _mm(side),
                    "lines": len(lines),
                    "high": _mm(side + text_height + 2 * MARGIN_MM),
                    "wide": _mm(side + 2 * MARGIN_MM),
                    "width": _mm(width),
                    "height": _mm(height),
                }
            )
        bar_height = module
        rows_height = len(symbol.rows) * module
    symbol_width = symbol.columns * module
    quiet_height = quiet * module if not symbol.linear else 0
    content_height = rows_height + 2 * quiet_height + text_height
    origin_x = (width - symbol_width) / 2
    origin_y = max(MARGIN_MM, (height - content_height) / 2) + quiet_height
    boxes = tuple(
        Box(origin_x + start * module, origin_y + row * bar_height, length * module, bar_height)
        for row, start, length in symbol.dark_runs()
    )
    text_top = origin_y + rows_height + quiet_height
    text_lines = tuple(
        TextLine(
            x=(width - text_width_mm(line, text_pt)) / 2,
            y=text_top + line_mm / 3 + line_mm * (index + 1) - line_mm / 6,
            text=line,
            size_pt=text_pt,
        )
        for index, line in enumerate(lines)
    )
    return Layout(
        width=width,
        height=height,
        boxes=boxes,
        lines=text_lines,
        symbol_origin=(origin_x, origin_y),
        module=module,
        bar_height=bar_height if symbol.linear else 0,
    )


def symbology_name(symbology):
    return SYMBOLOGIES[symbology]
