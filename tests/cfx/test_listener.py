"""The CFX listener as it runs on a plant: a real ``manage.py cfx_listen`` process taking
messages from the machine's RabbitMQ over AMQP 1.0 and recording them in the shared test
database. Each unit is recorded exactly once, whatever happens between: bad messages, a broker
restart mid-stream, the listener killed between commit and acknowledgement."""

from decimal import Decimal

import pytest
from django.db.models import Count

from shopfloor.cfx.models import DeadLetter, Endpoint, Message, NameMapping
from shopfloor.genealogy.models import Installation
from shopfloor.scanning.services import api_token_issue
from shopfloor.stations.models import ScanEvent
from tests.cfx.broker import broker_restart, queue_depth, wait_until
from tests.cfx.messages import (
    PLACER,
    generated,
    materials_installed,
    measurement,
    unit_result,
    units_tested,
    work_completed,
)
from tests.stations.scan_support import unit_of

pytestmark = pytest.mark.django_db(transaction=True)


def cfx_scans():
    return ScanEvent.objects.filter(source=ScanEvent.Source.CFX)


def scans_per_unit():
    return dict(cfx_scans().values_list("usid").annotate(n=Count("id")).values_list("usid", "n"))


def test_the_documented_messages_published_to_the_broker_are_recorded(cfx_listener, publish, line):
    first, second, third = line.units(3)
    Endpoint.objects.create(handle="CFX.A00.REFLOW-2", station=line.station)
    map_materials()
    cfx_listener()

    publish(
        units_tested(
            unit_result(first, measurements=[measurement("VOUT", 5.01)]),
            unit_result(second, "Failed", position=2, symptoms=["E-OPEN"], defects=["D-17"]),
        ),
        work_completed(third),
        materials_installed(first),
        {
            "MessageName": "CFX.Heartbeat",
            "UniqueID": "hb-1",
            "Source": "CFX.A00.ICT-7",
            "MessageBody": {"CFXHandle": "CFX.A00.ICT-7", "HeartbeatFrequency": "00:01:00"},
        },
    )

    wait_until(lambda: Message.objects.count() == 4, what="four messages recorded")
    assert unit_of(line.part, first)["qc_result"] == "pass"
    assert unit_of(line.part, second)["qc_result"] == "fail"
    assert unit_of(line.part, third)["qc_result"] == "pass"
    failed = cfx_scans().get(usid=second)
    assert failed.defect.code == "cfx_symptom" and "E-OPEN, D-17" in failed.reason
    assert not DeadLetter.objects.exists()


def map_materials():
    NameMapping.objects.create(
        endpoint=Endpoint.objects.get(handle=PLACER),
        kind="material",
        name="CAP-100N-0402",
        field_key="cap_c12",
    )


def test_measurements_and_materials_published_to_the_broker_are_recorded_once(
    cfx_listener, publish, line, client
):
    """Through the broker and a real listener: a mapped measurement in its limits is the
    unit's stage data; a pass out of its limits is refused (409 out_of_limits) and
    dead-lettered naming the value; limits that disagree are flagged; installed materials
    are lot components found by the trace API; each message published twice records once."""
    in_limits, out_of_limits, other_limits = line.units(3)
    NameMapping.objects.create(
        endpoint=line.endpoint, kind="measurement", name="VOUT", field_key="vout"
    )
    map_materials()
    cfx_listener()
    messages = [
        units_tested(unit_result(in_limits, measurements=[measurement("VOUT", 5.02)])),
        units_tested(unit_result(out_of_limits, measurements=[measurement("VOUT", 5.61)])),
        units_tested(
            unit_result(other_limits, measurements=[measurement("VOUT", 5.0, low=4.5, high=5.5)])
        ),
        materials_installed(in_limits, other_limits),
    ]

    publish(*messages, *messages)  # every message delivered twice

    wait_until(lambda: Message.objects.filter(deliveries=2).count() == 4, what="eight deliveries")
    assert unit_of(line.part, in_limits)["f_vout"] == Decimal("5.02")
    assert unit_of(line.part, out_of_limits)["qc_result"] is None
    (reason,) = DeadLetter.objects.values_list("reason", flat=True)
    assert f"{out_of_limits}: Not recorded as a pass: Output voltage 5.61 V" in reason
    flagged = cfx_scans().get(usid=other_limits)
    assert "VOUT was tested against 4.5 to 5.5 V" in flagged.reason
    token = api_token_issue(name="trace-reader", may_read=True)[1]
    traced = client.get(
        "/api/v1/trace?lot=REEL-000981", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert sorted(unit["usid"] for unit in traced["units"]) == [in_limits, other_limits]
    assert scans_per_unit() == {in_limits: 1, other_limits: 1}
    assert Installation.objects.count() == 2


def test_bad_messages_are_dead_lettered_with_their_reason_and_the_listener_keeps_going(
    cfx_listener, publish, line
):
    (usid,) = line.units(1)
    listener = cfx_listener()

    publish(
        b"this is not JSON",
        units_tested(unit_result(usid)) | {"MessageName": "CFX.Production.Teleported"},
        units_tested(unit_result("U\x1d00001")),
        units_tested(unit_result(usid, measurements=[measurement("VOUT", "high")])),
        b'{"MessageName": "CFX.Production.TestAndInspection.UnitsTested", "Padding": "'
        + b"x" * (10 * 1024 * 1024)
        + b'"}',
        units_tested(unit_result(usid)),
    )

    wait_until(lambda: Message.objects.count() == 6, what="six messages handled")
    reasons = sorted(DeadLetter.objects.values_list("reason", flat=True))
    assert len(reasons) == 5
    for expected in (
        "not JSON",
        "Unknown message name 'CFX.Production.Teleported'",
        "control character GS",
        'its value is "high", not a number',
        "10,485,",
    ):
        assert any(expected in reason for reason in reasons), (expected, reasons)
    assert scans_per_unit() == {usid: 1}  # only the good message recorded anything
    assert listener.alive()


def test_a_broker_restart_mid_stream_loses_nothing_and_doubles_nothing(
    cfx_listener, publish, cfx_queue, line
):
    usids = line.units(60)
    messages, expected = generated(usids, seed=22)
    half = len(messages) // 2
    listener = cfx_listener(ack_delay=0.05)  # slow enough to be mid-stream at the restart
    publish(*messages[:half])
    wait_until(lambda: Message.objects.count() >= 3, what="the stream under way")

    broker_restart()
    publish(*messages[half:])

    wait_until(lambda: Message.objects.count() == len(messages), what="every message")
    assert listener.alive()  # the same process reconnected by itself
    assert scans_per_unit() == dict.fromkeys(usids, 1)
    assert {u: unit_of(line.part, u)["qc_result"] for u in usids} == expected
    wait_until(lambda: queue_depth(cfx_queue) == 0, what="every message acknowledged")


def test_a_listener_killed_before_acknowledging_is_restarted_and_each_unit_is_recorded_once(
    cfx_listener, publish, cfx_queue, line
):
    usids = line.units(20)
    messages, expected = generated(usids, seed=7)
    doomed = cfx_listener(ack_delay=30)  # commits, then waits before acknowledging
    publish(*messages)
    wait_until(lambda: Message.objects.count() >= 1, what="the first commit")

    doomed.kill()  # SIGKILL between commit and acknowledgement
    assert queue_depth(cfx_queue) == len(messages)  # nothing acknowledged
    cfx_listener()

    wait_until(lambda: Message.objects.count() == len(messages), what="every message")
    wait_until(lambda: queue_depth(cfx_queue) == 0, what="every message acknowledged")
    assert scans_per_unit() == dict.fromkeys(usids, 1)
    assert {u: unit_of(line.part, u)["qc_result"] for u in usids} == expected
    # The message committed before the kill came again and was recognised, not re-recorded.
    assert Message.objects.filter(deliveries__gte=2).exists()
