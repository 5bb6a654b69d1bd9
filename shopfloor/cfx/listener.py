"""The CFX listener: takes messages from one AMQP 1.0 queue and records each, acknowledging it
to the broker only after its transaction committed.

Built on Apache Qpid Proton's event-driven container. The connection reconnects by itself
(Proton's back-off, 0.1 s doubling to 10 s) when the broker restarts or the network drops;
messages delivered but not yet acknowledged when it dropped are delivered again, and the
recording service recognises them. A message is never lost to an error of ours: a bad message
is dead-lettered (and acknowledged); when the database is out of reach, the message is
released back to the queue unacknowledged, and the listener waits before the next one.
"""

import logging
import time

from django.db import DatabaseError, close_old_connections, connection
from proton import Message as AmqpMessage
from proton.handlers import MessagingHandler
from proton.reactor import Backoff, Container

from shopfloor.cfx.services import message_dead_letter, message_receive

log = logging.getLogger(__name__)
DATABASE_RETRY_SECONDS = 2


def message_bytes(message):
    """The bytes of an AMQP message body: CFX sends JSON as a string or as binary data."""
    body = message.body
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8", errors="surrogatepass")
    if isinstance(body, memoryview):
        return body.tobytes()
    return repr(body).encode("utf-8")  # not a CFX body: kept as shown, dead-lettered


class CfxListener(MessagingHandler):
    """Receives from ``address`` at ``url``; ``ack_delay`` (seconds) waits between commit and
    acknowledgement, for fault drills that kill the listener in between."""

    def __init__(self, *, url, address, user, password, prefetch, ack_delay=0.0):
        super().__init__(prefetch=prefetch, auto_accept=False, auto_settle=True)
        self.url = url
        self.address = address
        self.user = user
        self.password = password
        self.ack_delay = ack_delay

    def on_start(self, event):
        connection_ = event.container.connect(
            self.url,
            user=self.user or None,
            password=self.password or None,
            allowed_mechs="PLAIN ANONYMOUS",
            allow_insecure_mechs=True,
            reconnect=Backoff(initial=0.1, factor=2, max_delay=10),
            heartbeat=10,
        )
        event.container.create_receiver(connection_, self.address)
        log.info("CFX listener connecting to %s, queue %s", self.url, self.address)

    def on_connection_opened(self, event):
        log.info("CFX listener connected to %s", self.url)

    def on_link_opened(self, event):
        # The log line tests and operators wait for: from here on, messages flow.
        print(f"cfx_listen: receiving from {self.address}", flush=True)

    def on_transport_error(self, event):
        condition = event.transport.condition
        log.warning("CFX broker connection lost (%s); reconnecting", condition)

    def on_message(self, event):
        raw = message_bytes(event.message)
        try:
            close_old_connections()
            receipt = message_receive(raw)
        except DatabaseError:
            log.exception("database unreachable: the message goes back to the queue")
            connection.close()
            self.release(event.delivery, delivered=True)
            time.sleep(DATABASE_RETRY_SECONDS)
            return
        except Exception as error:  # a message no rule foresaw must not stop the listener
            log.exception("CFX message could not be recorded")
            try:
                receipt = message_dead_letter(
                    raw, reason=f"Shopfloor could not record it ({type(error).__name__}: {error})."
                )
            except DatabaseError:
                connection.close()
                self.release(event.delivery, delivered=True)
                time.sleep(DATABASE_RETRY_SECONDS)
                return
        if self.ack_delay:
            time.sleep(self.ack_delay)
        self.accept(event.delivery)
        log.info("CFX %s %s: %s", receipt.status, receipt.key, receipt.summary[:200])


def listen(**options):
    """Run the listener until the process is stopped."""
    Container(CfxListener(**options)).run()


def publish(*, url, address, bodies, user="guest", password="guest"):
    """Send ``bodies`` (text) to ``address`` as durable messages; returns when the broker has
    accepted every one. For tests, benchmarks and trying a mapping out by hand."""
    from proton.utils import BlockingConnection

    blocking = BlockingConnection(
        url, user=user, password=password, allowed_mechs="PLAIN", allow_insecure_mechs=True
    )
    try:
        sender = blocking.create_sender(address)
        for body in bodies:
            sender.send(AmqpMessage(body=body, durable=True))
    finally:
        blocking.close()
