"""What is drawn scans back to the same text: PNG, the PDF's pages, every symbology."""

import io

import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from shopfloor.labels.drawing import layout_png, layout_svg, layouts_pdf
from shopfloor.labels.layout import LabelDoesNotFit, label_layout

# Characters a USID may hold that ZPL, XML or a scanner could mistake: ^ ~ _ < & and digits.
USIDS = ["PWR-2611-00001", "A^B~C_D<E&F", "0000000000000042"]
FORMATS = {
    "code128": zxingcpp.BarcodeFormat.Code128,
    "qr": zxingcpp.BarcodeFormat.QRCode,
    "datamatrix": zxingcpp.BarcodeFormat.DataMatrix,
}


def layout(symbology, usid, width=70, height=30):
    return label_layout(
        width=width,
        height=height,
        symbology=symbology,
        data=usid,
        lines=[usid, "PWR_Part / PWR", "2026-11-30"],
    )


def decoded(image):
    return [(found.text, found.format) for found in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize("symbology", FORMATS)
@pytest.mark.parametrize("usid", USIDS)
def test_the_png_label_decodes_to_its_usid(symbology, usid):
    image = Image.open(io.BytesIO(layout_png(layout(symbology, usid))))

    assert decoded(image) == [(usid, FORMATS[symbology])]


@pytest.mark.parametrize("symbology", FORMATS)
def test_every_label_on_a_printed_pdf_page_decodes_to_its_usid(symbology):
    usids = [f"PWR-2611-{number:05d}" for number in range(1, 7)]
    pdf = pypdfium2.PdfDocument(layouts_pdf([layout(symbology, usid) for usid in usids]))
    try:
        page = pdf[0].render(scale=300 / 72).to_pil()
    finally:
        pdf.close()

    assert sorted(text for text, _format in decoded(page)) == usids


def test_the_svg_preview_draws_the_same_bars_and_escapes_its_text():
    drawn = layout("code128", "A^B~C_D<E&F")

    svg = layout_svg(drawn)

    assert svg.count("<rect ") == len(drawn.boxes) + 1  # the label's outline, then the bars
    assert "A^B~C_D&lt;E&amp;F" in svg and "<E&" not in svg


@pytest.mark.parametrize(
    ("symbology", "width", "height", "expected"),
    [
        ("code128", 40, 30, "needs 55.2 mm of width; the label is 40.0 mm wide"),
        ("code128", 70, 12, "need 18.0 mm of height; the label is 12.0 mm high"),
        ("qr", 20, 14, 'The text "PWR-2611-00001" needs 22.8 mm of width'),
        ("qr", 30, 14, "the label is 30.0 mm x 14.0 mm"),
        ("datamatrix", 30, 8, "the label is 30.0 mm x 8.0 mm"),
    ],
)
def test_a_label_that_does_not_fit_its_size_is_refused_saying_what_it_needs(
    symbology, width, height, expected
):
    with pytest.raises(LabelDoesNotFit) as caught:
        layout(symbology, "PWR-2611-00001", width=width, height=height)

    assert expected in str(caught.value)


@pytest.mark.parametrize(("data", "line"), [("PWR-É1", "PWR-É1"), ("PWR-1", "Part ✓")])
def test_text_a_label_cannot_carry_is_refused_naming_the_character(data, line):
    with pytest.raises(LabelDoesNotFit, match="labels print ASCII letters, digits and signs only"):
        label_layout(width=70, height=30, symbology="qr", data=data, lines=[line])
