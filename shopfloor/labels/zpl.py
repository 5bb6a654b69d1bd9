"""Labels as ZPL II for Zebra-type label printers.

The printer draws the barcode itself (``^BC`` Code 128, ``^BX`` DataMatrix, ``^BQ`` QR), at
the place and module size of the label's layout, converted to the printer's dots. Field data
goes through ``^FH`` so that a caret, tilde or underscore in a USID prints as itself instead
of being read as a command.
"""

from shopfloor.labels.layout import PT_TO_MM
from shopfloor.labels.symbols import CODE128, DATAMATRIX, QR

_ESCAPES = {"_": "_5F", "^": "_5E", "~": "_7E"}


def field_data(text):
    """``text`` escaped for a ``^FH_`` field: the three characters ZPL reads as commands or
    escapes become hexadecimal."""
    return "".join(_ESCAPES.get(char, char) for char in text)


def layout_zpl(layout, *, symbology, data, dpi=203):
    """One label, ``^XA`` to ``^XZ``, for a printer of ``dpi`` dots per inch."""
    per_mm = dpi / 25.4

    def dots(mm):
        return max(1, round(mm * per_mm))

    x, y = (dots(value) for value in layout.symbol_origin)
    module = dots(layout.module)
    commands = ["^XA", "^CI0", f"^PW{dots(layout.width)}", f"^LL{dots(layout.height)}", "^LH0,0"]
    if symbology == CODE128:
        commands.append(f"^FO{x},{y}^BY{module}^BCN,{dots(layout.bar_height)},N,N,N,A")
        commands.append(f"^FH_^FD{field_data(data)}^FS")
    elif symbology == DATAMATRIX:
        commands.append(f"^FO{x},{y}^BXN,{module},200")
        commands.append(f"^FH_^FD{field_data(data)}^FS")
    elif symbology == QR:
        # ^BQ draws from its own top-left corner and magnifies by whole dots (1 to 10).
        commands.append(f"^FO{x},{y}^BQN,2,{min(max(module, 1), 10)}")
        commands.append(f"^FH_^FDMA,{field_data(data)}^FS")
    else:
        raise ValueError(f"unknown symbology {symbology!r}")
    for line in layout.lines:
        height = dots(line.size_pt * PT_TO_MM)
        top = dots(line.y) - height
        commands.append(f"^FO{dots(line.x)},{top}^A0N,{height},{height}")
        commands.append(f"^FH_^FD{field_data(line.text)}^FS")
    commands.append("^XZ")
    return "\n".join(commands) + "\n"
