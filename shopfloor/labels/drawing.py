"""Labels drawn from their layout: SVG for the browser, PNG, and PDF sheets for office printers.

Every output draws the same boxes and lines of a ``Layout``, so what the preview shows is
what the PDF prints, and a test decoding the PNG checks the PDF's geometry too.
"""

from io import BytesIO
from xml.sax.saxutils import escape

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from shopfloor.labels.layout import PT_TO_MM

A4 = (210.0, 297.0)
SHEET_MARGIN_MM = 10.0
SHEET_GAP_MM = 4.0


def layout_svg(layout):
    """The label as an SVG document sized in millimetres (white label, black marks)."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{layout.width}mm" '
        f'height="{layout.height}mm" viewBox="0 0 {layout.width} {layout.height}" '
        f'role="img" aria-label="{escape(" · ".join(line.text for line in layout.lines))}">',
        f'<rect width="{layout.width}" height="{layout.height}" fill="#fff" stroke="#adb5bd" '
        'stroke-width="0.2"/>',
        '<g fill="#000" shape-rendering="crispEdges">',
    ]
    parts += [
        f'<rect x="{box.x:.3f}" y="{box.y:.3f}" width="{box.width:.3f}" height="{box.height:.3f}"/>'
        for box in layout.boxes
    ]
    parts.append("</g>")
    parts += [
        f'<text x="{line.x:.2f}" y="{line.y:.2f}" font-family="Helvetica, Arial, sans-serif" '
        f'font-size="{line.size_pt * PT_TO_MM:.2f}">{escape(line.text)}</text>'
        for line in layout.lines
    ]
    parts.append("</svg>")
    return "".join(parts)


def layout_png(layout, *, dots_per_mm=12):
    """The label as a PNG image, ``dots_per_mm`` pixels per millimetre (12 is about 300 dpi)."""
    scale = dots_per_mm
    image = Image.new("L", (round(layout.width * scale), round(layout.height * scale)), 255)
    draw = ImageDraw.Draw(image)
    for box in layout.boxes:
        draw.rectangle(
            (
                round(box.x * scale),
                round(box.y * scale),
                round((box.x + box.width) * scale) - 1,
                round((box.y + box.height) * scale) - 1,
            ),
            fill=0,
        )
    for line in layout.lines:
        font = ImageFont.load_default(size=line.size_pt * PT_TO_MM * scale)
        draw.text((line.x * scale, line.y * scale), line.text, fill=0, font=font, anchor="ls")
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _draw_on_pdf(pdf, layout, left, top):
    pdf.set_draw_color(200)
    pdf.set_line_width(0.1)
    pdf.rect(left, top, layout.width, layout.height)
    pdf.set_fill_color(0)
    for box in layout.boxes:
        pdf.rect(left + box.x, top + box.y, box.width, box.height, style="F")
    for line in layout.lines:
        pdf.set_font("helvetica", size=line.size_pt)
        pdf.text(left + line.x, top + line.y, line.text)


def layouts_pdf(layouts, *, title="Labels"):
    """Labels laid out on A4 sheets, left to right and top to bottom, with a thin outline
    around each to cut along. ``layouts`` may be any iterable of labels of one size."""
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_creator("Shopfloor")
    pdf.set_auto_page_break(False)
    columns = rows = 0
    position = 0
    left_margin = SHEET_MARGIN_MM
    for layout in layouts:
        if not columns:
            usable_width = A4[0] - 2 * SHEET_MARGIN_MM + SHEET_GAP_MM
            usable_height = A4[1] - 2 * SHEET_MARGIN_MM + SHEET_GAP_MM
            columns = max(1, int(usable_width // (layout.width + SHEET_GAP_MM)))
            rows = max(1, int(usable_height // (layout.height + SHEET_GAP_MM)))
            used_width = columns * layout.width + (columns - 1) * SHEET_GAP_MM
            left_margin = max(SHEET_MARGIN_MM, (A4[0] - used_width) / 2)
        index = position % (columns * rows)
        if index == 0:
            pdf.add_page()
        column, row = index % columns, index // columns
        left = left_margin + column * (layout.width + SHEET_GAP_MM)
        top = SHEET_MARGIN_MM + row * (layout.height + SHEET_GAP_MM)
        _draw_on_pdf(pdf, layout, left, top)
        position += 1
    if not position:
        pdf.add_page()
    return bytes(pdf.output())
