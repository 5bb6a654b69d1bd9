import pytest

from shopfloor.cfx.models import Endpoint
from shopfloor.stations.models import Station
from tests.cfx.messages import PLACER, TESTER
from tests.stations.scan_support import part_with_procedure, scan, stage

# The line's procedure: QC measures the output voltage, SMD installs a capacitor reel (a lot).
CFX_PROCEDURE = {
    "version": 1,
    "stages": [
        {
            **stage("smd", "pass_fail"),
            "components": [
                {"key": "cap_c12", "label": "C12 capacitor reel", "kind": "lot", "required": False}
            ],
        },
        stage("leaded", optional=True),
        stage("qc", "pass_fail"),
        stage("dispatch"),
    ],
    "fields": [
        {
            "key": "vout",
            "label": "Output voltage",
            "type": "measurement",
            "unit": "V",
            "min": 4.75,
            "max": 5.25,
            "stage": "qc",
        }
    ],
}


@pytest.fixture(autouse=True)
def _defect_reasons(defect_reasons):
    """Failed units need the default defect reasons, cfx_symptom among them."""


@pytest.fixture
def line(engineer):
    """A part (SMD installing a reel, Leaded optional, QC measuring vout, Dispatch), the ICT
    tester ``TESTER`` mapped to station ICT-1 at QC, the placement machine ``PLACER`` to
    station PNP-1 at SMD, and a function registering units at SMD (``line.units(n)`` → their
    USIDs)."""
    part = part_with_procedure(engineer, config=CFX_PROCEDURE)
    station = Station.objects.create(name="ICT-1", line="Line A", stage="qc")
    station.parts.set([part])
    endpoint = Endpoint.objects.create(handle=TESTER, station=station)
    placer = Station.objects.create(name="PNP-1", line="Line A", stage="smd")
    placer.parts.set([part])
    Endpoint.objects.create(handle=PLACER, station=placer)

    class Line:
        def units(self, count, prefix="U"):
            usids = [f"{prefix}{n:05d}" for n in range(1, count + 1)]
            for usid in usids:
                assert not scan(usid, "smd", result="pass", part_no=part.part_no).is_refused
            return usids

    line_ = Line()
    line_.part, line_.station, line_.endpoint, line_.placer = part, station, endpoint, placer
    return line_


@pytest.fixture
def cfx_queue():
    """A queue of this test's own on the machine's RabbitMQ: its AMQP 1.0 address, deleted
    afterwards. Skipped when no broker listens, except on CI, where it must."""
    import os
    import secrets

    from tests.cfx.broker import broker_reachable, rabbitmqctl

    if not broker_reachable():
        if os.environ.get("CI"):
            pytest.fail("RabbitMQ is not listening on 127.0.0.1:5672 (.ci/run starts it).")
        pytest.skip("RabbitMQ is not listening on 127.0.0.1:5672")
    name = f"shopfloor.cfx.test.{secrets.token_hex(4)}"
    yield name
    rabbitmqctl("delete_queue", name)


@pytest.fixture
def cfx_listener(shared_database, tmp_path, cfx_queue):
    """Start ``manage.py cfx_listen`` processes on the shared test database and the test's
    queue; each is stopped after the test."""
    from tests.cfx.broker import ListenerProcess

    started = []

    def start(ack_delay=0.0):
        listener = ListenerProcess(
            database_url=shared_database,
            address=f"/queue/{cfx_queue}",
            log_dir=tmp_path,
            ack_delay=ack_delay,
        )
        started.append(listener)
        return listener

    yield start
    for listener in started:
        listener.stop()


@pytest.fixture
def publish(cfx_queue):
    """Publish message dicts (or raw bytes/text) to the test's queue, durable."""
    import json

    from shopfloor.cfx.listener import publish as amqp_publish
    from tests.cfx.broker import broker_settings

    def send(*messages):
        bodies = [m if isinstance(m, str | bytes) else json.dumps(m) for m in messages]
        amqp_publish(address=f"/queue/{cfx_queue}", bodies=bodies, **broker_settings())

    return send


@pytest.fixture(autouse=True)
def _endpoint_mappings_read_anew():
    """Each test reads endpoint mappings from its own database (this process is one
    listener, and its endpoint mapping cache outlives a test's rolled-back rows)."""
    from shopfloor.cfx.services import endpoint_cache_clear

    endpoint_cache_clear()
    yield
    endpoint_cache_clear()
