"""ZPL sent to a printer over TCP: a real listener receives it; a refused connection, a
silent printer and a printer out of paper each give a clear error."""

import re

import pytest

from shopfloor.labels.layout import label_layout
from shopfloor.labels.printing import PrinterError, zpl_send
from shopfloor.labels.zpl import layout_zpl
from tests.labels.support import STATUS_PAPER_OUT, FakeZebra, free_port

COMMANDS = {"code128": "^BC", "datamatrix": "^BX", "qr": "^BQ"}


def unescaped(field):
    """A ``^FH_`` field as the printer reads it."""
    return re.sub(r"_([0-9A-F]{2})", lambda match: chr(int(match[1], 16)), field)


def zpl_of(symbology, usid):
    drawn = label_layout(
        width=70, height=30, symbology=symbology, data=usid, lines=[usid, "PWR_Part"]
    )
    return layout_zpl(drawn, symbology=symbology, data=usid, dpi=203)


@pytest.mark.parametrize("symbology", COMMANDS)
def test_the_printer_receives_the_label_in_its_symbology_with_the_usid(zebra, symbology):
    zpl = zpl_of(symbology, "PWR-2611-00007")

    zpl_send(name="Zebra", host="127.0.0.1", port=zebra.port, zpl=zpl, timeout=2)
    zebra.close()

    received = zebra.received[0].decode("ascii")
    assert received.startswith("~HS")
    label = received[received.index("^XA") :]
    assert label == zpl and label.rstrip().endswith("^XZ")
    assert COMMANDS[symbology] in label
    fields = [unescaped(field) for field in re.findall(r"\^FD(.*?)\^FS", label)]
    barcode_data = "MA,PWR-2611-00007" if symbology == "qr" else "PWR-2611-00007"
    assert fields == [barcode_data, "PWR-2611-00007", "PWR_Part"]


def test_zpl_command_characters_in_a_usid_are_sent_escaped():
    zpl = zpl_of("code128", "A^B~C_D")

    assert "^FDA_5EB_7EC_5FD^FS" in zpl
    assert zpl.count("^XA") == 1


def test_a_printer_that_refuses_the_connection_is_named_with_its_address():
    port = free_port()

    with pytest.raises(PrinterError) as caught:
        zpl_send(name="Zebra SMD", host="127.0.0.1", port=port, zpl="^XA^XZ", timeout=2)

    assert str(caught.value).startswith(f"Printer Zebra SMD (127.0.0.1:{port}) refused")


def test_a_printer_that_does_not_answer_times_out_with_a_clear_error_and_gets_no_label():
    with FakeZebra(silent=True) as silent:
        with pytest.raises(PrinterError) as caught:
            zpl_send(name="Zebra", host="127.0.0.1", port=silent.port, zpl="^XA^XZ", timeout=0.5)
        silent.close()

    assert "did not answer within 0.5 s" in str(caught.value)
    assert b"^XA" not in b"".join(silent.received)


def test_a_printer_out_of_paper_says_so_and_gets_no_label():
    with FakeZebra(status=STATUS_PAPER_OUT) as empty:
        with pytest.raises(PrinterError, match="is not ready: paper out"):
            zpl_send(name="Zebra", host="127.0.0.1", port=empty.port, zpl="^XA^XZ", timeout=2)
        empty.close()

    assert b"^XA" not in b"".join(empty.received)
