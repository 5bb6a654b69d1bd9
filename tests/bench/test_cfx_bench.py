"""The CFX listener's pace, run on demand on PostgreSQL:
`DATABASE_URL=postgres://root@127.0.0.1:5432/test make bench PYTEST_ARGS="-k cfx_bench"`
(``CFX_BENCH_MESSAGES``, default 1000; ``CFX_BENCH_RATE``, default 20 messages/s).

- Throughput: ``CFX_BENCH_MESSAGES`` UnitsTested messages (one unit each, a measurement, one
  in five failing with a symptom code) wait in the queue; a ``manage.py cfx_listen`` process
  is started and records them. Messages/s from its first commit to its last.
- Lag: messages published one by one at ``CFX_BENCH_RATE`` to the running listener; for each,
  the time from the broker confirming the publication to the listener's row being written in
  the transaction that records it (p50, p95, max).
"""

import os
import secrets
import statistics
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shopfloor.cfx.listener import publish
from shopfloor.cfx.models import Endpoint, Message
from shopfloor.cfx.services import message_receive
from shopfloor.stations.models import ScanEvent, Station
from tests.cfx.broker import ListenerProcess, broker_reachable, broker_settings, rabbitmqctl
from tests.cfx.messages import TESTER, encoded, generated
from tests.stations.scan_support import part_with_procedure, scan

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the listener shares PostgreSQL"),
    pytest.mark.skipif(not broker_reachable(), reason="RabbitMQ is not listening on 5672"),
    pytest.mark.django_db(transaction=True),
]

MESSAGES = int(os.environ.get("CFX_BENCH_MESSAGES", "1000"))
RATE = float(os.environ.get("CFX_BENCH_RATE", "20"))
LAG_MESSAGES = 200
QUERY_MESSAGES = 51


def _wait(count, timeout):
    deadline = time.monotonic() + timeout
    while Message.objects.count() < count:
        assert time.monotonic() < deadline, f"{Message.objects.count()} of {count} recorded"
        time.sleep(0.2)


def _queries_per_message(usids):
    """Queries per one-unit UnitsTested message, recorded in this process as the listener
    records it (its endpoint mapping read once, as a running listener has it)."""
    messages, _ = generated(usids, seed=3, batch=1)
    message_receive(encoded(messages[0]))
    with CaptureQueriesContext(connection) as captured:
        for message in messages[1:]:
            message_receive(encoded(message))
    return len(captured.captured_queries) / (len(messages) - 1)


def test_cfx_bench(shared_database, engineer, tmp_path, defect_reasons):
    part = part_with_procedure(engineer)
    station = Station.objects.create(name="ICT-1", line="Line A", stage="qc")
    station.parts.set([part])
    Endpoint.objects.create(handle=TESTER, station=station)
    usids = [f"B{n:06d}" for n in range(MESSAGES + LAG_MESSAGES)]
    counted = [f"Q{n:06d}" for n in range(QUERY_MESSAGES)]
    for usid in usids + counted:
        scan(usid, "smd", part_no=part.part_no)
    queue = f"shopfloor.cfx.bench.{secrets.token_hex(4)}"
    address = f"/queue/{queue}"
    backlog, _ = generated(usids[:MESSAGES], seed=1, batch=1)
    listener = None
    try:
        publish(address=address, bodies=[encoded(m) for m in backlog], **broker_settings())
        listener = ListenerProcess(database_url=shared_database, address=address, log_dir=tmp_path)
        _wait(MESSAGES, timeout=1800)
        first, last = (
            Message.objects.order_by(order).values_list("received_at", flat=True).first()
            for order in ("received_at", "-received_at")
        )
        per_second = (MESSAGES - 1) / (last - first).total_seconds()

        paced, _ = generated(usids[MESSAGES:], seed=2, batch=1)
        published = {}
        for message in paced:
            publish(address=address, bodies=[encoded(message)], **broker_settings())
            published[message["UniqueID"]] = time.time()
            time.sleep(1 / RATE)
        _wait(MESSAGES + LAG_MESSAGES, timeout=600)
        written = dict(Message.objects.filter(key__in=published).values_list("key", "received_at"))
        lags = sorted((written[key].timestamp() - at) * 1000 for key, at in published.items())
    finally:
        if listener is not None:
            listener.stop()
        rabbitmqctl("delete_queue", queue)

    # Counted in this process once the listener is done (its messages are not in its figures).
    queries = _queries_per_message(counted)
    cfx_scans = ScanEvent.objects.filter(source=ScanEvent.Source.CFX)
    assert cfx_scans.count() == len(usids) + QUERY_MESSAGES
    p95 = lags[int(len(lags) * 0.95) - 1]
    print(
        f"\nCFX listener, {connection.vendor}, one listener process, prefetch 50\n"
        f"  throughput: {MESSAGES} UnitsTested messages (1 unit each) recorded at "
        f"{per_second:.0f} messages/s\n"
        "  statements per one-unit message (savepoints included, BEGIN/COMMIT not): "
        f"{queries:.1f}\n"
        f"  lag publish → recorded at {RATE:.0f} messages/s: p50 {statistics.median(lags):.1f} ms,"
        f" p95 {p95:.1f} ms, max {lags[-1]:.1f} ms\n"
        "  command: DATABASE_URL=postgres://root@127.0.0.1:5432/test make bench "
        'PYTEST_ARGS="-k cfx_bench"'
    )
