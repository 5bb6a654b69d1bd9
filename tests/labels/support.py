"""Label objects for tests, and a label printer on a real TCP socket."""

import socket
import threading

from shopfloor.labels.models import LabelTemplate, Printer
from shopfloor.labels.services import serial_batch_issue, serial_scheme_set

STATUS_READY = (
    b"\x02030,0,0,1245,000,0,0,0,000,0,0,0\x03\r\n"
    b"\x02001,0,0,0,1,2,4,0,00000000,1,000\x03\r\n"
    b"\x021234,0\x03\r\n"
)
STATUS_PAPER_OUT = STATUS_READY.replace(b"\x02030,0,0,", b"\x02030,1,0,", 1)


def label_world(*, part, engineer, pattern="U{seq:04}", count=5):
    """A numbering, a batch, a template and a printer for ``part``: their URL parameters."""
    serial_scheme_set(part=part, pattern=pattern, user=engineer)
    batch = serial_batch_issue(part=part, count=count, user=engineer)
    template = LabelTemplate.objects.create(
        part=part, name="Board", width_mm=60, height_mm=30, symbology="code128", is_default=True
    )
    printer = Printer.objects.create(name="Zebra SMD", host="127.0.0.1", port=9)
    return {"batch_pk": batch.pk, "template_pk": template.pk, "printer_pk": printer.pk}


class FakeZebra:
    """A label printer on 127.0.0.1: answers ``~HS`` with ``status`` (or never, when
    ``silent``) and keeps every byte it receives, per connection, in ``received``."""

    def __init__(self, *, status=STATUS_READY, silent=False):
        self.status = status
        self.silent = silent
        self.received = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.1)
        self._stop = threading.Event()
        self.port = self._server.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                connection, _address = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with connection:
                data = b""
                connection.settimeout(5)
                try:
                    while True:
                        chunk = connection.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                        if b"~HS" in chunk and not self.silent:
                            connection.sendall(self.status)
                except OSError:
                    pass
                self.received.append(data)

    def close(self):
        """Stop listening, once the connection being served (if any) has ended."""
        self._stop.set()
        self._thread.join(10)
        self._server.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def free_port():
    """A port on 127.0.0.1 where nothing listens: a connection there is refused."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        return server.getsockname()[1]
