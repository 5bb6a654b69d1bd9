"""Sending ZPL to a label printer over raw TCP (port 9100), and telling why it failed.

Before the label, the printer is asked for its status with ``~HS`` (host status, which Zebra
and ZPL-compatible printers answer at once): a printer that does not answer within the
timeout, or that reports paper out, a paused print or an open head, is reported as such and
the label is not sent. Every failure is a ``PrinterError`` with a message for a person.
"""

import socket

from django.conf import settings

STX, ETX = b"\x02", b"\x03"
STATUS_QUERY = b"~HS\r\n"
STATUS_STRINGS = 3
_FLAGS = (
    # (string index, field index, what it means when set)
    (0, 1, "paper out"),
    (0, 2, "paused"),
    (1, 2, "print head open"),
    (1, 5, "ribbon out"),
)


class PrinterError(Exception):
    """The printer did not take the label; the message says what happened."""


def _read_status(connection, name):
    reply = b""
    while reply.count(ETX) < STATUS_STRINGS:
        try:
            chunk = connection.recv(1024)
        except TimeoutError:
            raise PrinterError(
                f"Printer {name} accepted the connection but did not answer within "
                f"{connection.gettimeout():g} s: is it a label printer, and is it ready?"
            ) from None
        if not chunk:
            raise PrinterError(f"Printer {name} closed the connection without answering.")
        reply += chunk
    return [
        part.split(STX)[-1].decode("ascii", "replace").split(",")
        for part in reply.split(ETX)[:STATUS_STRINGS]
    ]


def _problems(status):
    found = []
    for string, field, meaning in _FLAGS:
        fields = status[string] if string < len(status) else []
        if field < len(fields) and fields[field].strip() == "1":
            found.append(meaning)
    return found


def zpl_send(*, name, host, port, zpl, timeout=None):
    """Send ``zpl`` to the printer at ``host``:``port``; raises ``PrinterError``."""
    timeout = settings.LABEL_PRINTER_TIMEOUT if timeout is None else timeout
    where = f"{name} ({host}:{port})"
    try:
        connection = socket.create_connection((host, port), timeout=timeout)
    except ConnectionRefusedError:
        raise PrinterError(
            f"Printer {where} refused the connection: is it switched on, and is {port} its "
            "raw printing port?"
        ) from None
    except TimeoutError:
        raise PrinterError(f"Printer {where} did not answer within {timeout:g} s.") from None
    except (OSError, ValueError) as error:  # ValueError: a host name that cannot be encoded
        reason = getattr(error, "strerror", None) or error
        raise PrinterError(f"Printer {where} cannot be reached: {reason}.") from None
    with connection:
        try:
            connection.sendall(STATUS_QUERY)
            problems = _problems(_read_status(connection, where))
            if problems:
                raise PrinterError(f"Printer {where} is not ready: {', '.join(problems)}.")
            connection.sendall(zpl.encode("ascii"))
        except TimeoutError:
            raise PrinterError(
                f"Printer {where} stopped taking data after {timeout:g} s."
            ) from None
        except (ConnectionResetError, BrokenPipeError):
            raise PrinterError(f"Printer {where} dropped the connection.") from None
