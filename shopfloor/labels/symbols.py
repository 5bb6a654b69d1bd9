"""Barcodes as modules: what each symbology draws for a text, before any size is chosen.

Code 128 is a row of bar widths (python-barcode encodes it); QR (segno) and DataMatrix
(ppf-datamatrix) are square grids of dark and light modules. The layout turns these into
rectangles in millimetres, so the preview, the PDF and the decoding tests all draw from one
geometry.
"""

from dataclasses import dataclass

import segno
from barcode import Code128
from ppf.datamatrix import DataMatrix

CODE128 = "code128"
DATAMATRIX = "datamatrix"
QR = "qr"
SYMBOLOGIES = {CODE128: "Code 128", DATAMATRIX: "DataMatrix", QR: "QR"}

# Light modules each side that scanners need: ISO/IEC 15417 (10), 16022 (1), 18004 (4).
QUIET_ZONE = {CODE128: 10, DATAMATRIX: 1, QR: 4}


@dataclass(frozen=True)
class Symbol:
    """One barcode: ``rows`` of 0/1 modules (Code 128 has a single row, stretched tall)."""

    symbology: str
    rows: tuple

    @property
    def linear(self):
        return self.symbology == CODE128

    @property
    def columns(self):
        return len(self.rows[0])

    def dark_runs(self):
        """(row, first column, length) of every run of dark modules."""
        for y, row in enumerate(self.rows):
            x = 0
            while x < len(row):
                if row[x]:
                    start = x
                    while x < len(row) and row[x]:
                        x += 1
                    yield y, start, x - start
                else:
                    x += 1


def symbol_encode(symbology, text):
    """The modules of ``text`` in ``symbology`` (one of ``SYMBOLOGIES``)."""
    if symbology == CODE128:
        pattern = Code128(text).build()[0]
        return Symbol(symbology, (tuple(int(bit) for bit in pattern),))
    if symbology == QR:
        matrix = segno.make_qr(text, error="m", boost_error=False).matrix
        return Symbol(symbology, tuple(tuple(int(bool(bit)) for bit in row) for row in matrix))
    if symbology == DATAMATRIX:
        matrix = DataMatrix(text).matrix
        return Symbol(symbology, tuple(tuple(int(bit) for bit in row) for row in matrix))
    raise ValueError(f"unknown symbology {symbology!r}")
