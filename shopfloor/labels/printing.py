"""Sending ZPL to a label printer over raw TCP (port 9100), and telling why it failed.

Before the label, the printer is asked for its status with ``~HS`` (host status, which Zebra
and ZPL-compatible printers answer at once): a printer that does not answer within the
timeout, or that reports paper out, a paused print or an open head, is reported as such and
the label is not sent. Every failure is a ``PrinterError`` with a message for a person.
"""

import socket

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

STX, ETX = b"\x02", b"\x03"
STATUS_QUERY = b"~HS\r\n"
STATUS_STRINGS = 3
_FLAGS = (
    # (string index, field index, what it means when set)
    (0, 1, gettext_lazy("paper out")),
    (0, 2, gettext_lazy("paused")),
    (1, 2, gettext_lazy("print head open")),
    (1, 5, gettext_lazy("ribbon out")),
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
                _(
                    "Printer %(printer)s accepted the connection but did not answer within "
                    "%(seconds)s s: is it a label printer, and is it ready?"
                )
                % {"printer": name, "seconds": f"{connection.gettimeout():g}"}
            ) from None
        if not chunk:
            raise PrinterError(
                _("Printer %(printer)s closed the connection without answering.")
                % {"printer": name}
            )
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
            _(
                "Printer %(printer)s refused the connection: is it switched on, and is %(port)s "
                "its raw printing port?"
            )
            % {"printer": where, "port": port}
        ) from None
    except TimeoutError:
        raise PrinterError(
            _("Printer %(printer)s did not answer within %(seconds)s s.")
            % {"printer": where, "seconds": f"{timeout:g}"}
        ) from None
    except (OSError, ValueError) as error:  # ValueError: a host name that cannot be encoded
        reason = getattr(error, "strerror", None) or error
        raise PrinterError(
            _("Printer %(printer)s cannot be reached: %(reason)s.")
            % {"printer": where, "reason": reason}
        ) from None
    with connection:
        try:
            connection.sendall(STATUS_QUERY)
            problems = _problems(_read_status(connection, where))
            if problems:
                raise PrinterError(
                    _("Printer %(printer)s is not ready: %(problems)s.")
                    % {"printer": where, "problems": ", ".join(str(p) for p in problems)}
                )
            connection.sendall(zpl.encode("ascii"))
        except TimeoutError:
            raise PrinterError(
                _("Printer %(printer)s stopped taking data after %(seconds)s s.")
                % {"printer": where, "seconds": f"{timeout:g}"}
            ) from None
        except (ConnectionResetError, BrokenPipeError):
            raise PrinterError(
                _("Printer %(printer)s dropped the connection.") % {"printer": where}
            ) from None
