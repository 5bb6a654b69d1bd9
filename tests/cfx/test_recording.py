"""Recording CFX messages as scans: what a machine's message leaves in the unit's history, and
what is dead-lettered instead, with the reason, writing nothing."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import F

from shopfloor.cfx.models import DeadLetter, Endpoint, Message, NameMapping
from shopfloor.cfx.services import (
    DEAD_LETTERED,
    DUPLICATE,
    RECORDED,
    dead_letter_replay,
    message_dead_letter,
    message_receive,
)
from shopfloor.genealogy.models import Installation
from shopfloor.scanning.services import api_token_issue
from shopfloor.stations.models import DefectReason, ScanEvent
from tests.cfx.messages import (
    PLACER,
    encoded,
    materials_installed,
    measurement,
    unit_result,
    units_tested,
    work_completed,
)
from tests.stations.scan_support import unit_of

pytestmark = pytest.mark.django_db


def cfx_events(usid=None):
    events = ScanEvent.objects.filter(source=ScanEvent.Source.CFX)
    return events.filter(usid=usid) if usid else events


def test_units_tested_records_each_unit_at_the_stations_stage_with_its_overall_result(line):
    first, second = line.units(2)
    message = units_tested(
        unit_result(first, measurements=[measurement("VOUT", 5.02)]),
        unit_result(second, "Failed", position=2, symptoms=["E-OPEN"]),
    )

    receipt = message_receive(encoded(message))

    assert receipt.status == RECORDED
    assert unit_of(line.part, first)["qc_result"] == "pass"
    failed = unit_of(line.part, second)
    assert failed["qc_result"] == "fail" and failed["on_hold"]
    event = cfx_events(second).get()
    assert event.station == line.station and event.defect.code == "cfx_symptom"
    assert "E-OPEN" in event.reason  # the machine's own code is kept on the scan


def test_a_mapped_symptom_code_becomes_its_defect_reason(line):
    (usid,) = line.units(1)
    message_receive(encoded(units_tested(unit_result("U00099", symptoms=["E-BRIDGE"]))))
    mapping = NameMapping.objects.get(name="E-BRIDGE")
    mapping.defect = DefectReason.objects.get(code="solder_bridge")
    mapping.save()

    message_receive(encoded(units_tested(unit_result(usid, "Failed", symptoms=["E-BRIDGE"]))))

    assert cfx_events(usid).get().defect.code == "solder_bridge"


def test_every_name_heard_is_listed_for_mapping_whether_or_not_the_message_was_recorded(line):
    Endpoint.objects.filter(pk=line.endpoint.pk).update(station=None)
    (usid,) = line.units(1)
    message = units_tested(
        unit_result(usid, "Failed", measurements=[measurement("VOUT", 4.1)], defects=["D-17"])
    )

    receipt = message_receive(encoded(message))

    assert receipt.status == DEAD_LETTERED and "not mapped to a station" in receipt.summary
    names = set(NameMapping.objects.values_list("kind", "name"))
    assert names == {("test", "Power rail"), ("measurement", "VOUT"), ("symptom", "D-17")}
    assert not cfx_events().exists()


def test_a_redelivered_message_records_nothing_twice(line):
    (usid,) = line.units(1)
    raw = encoded(units_tested(unit_result(usid)))

    assert message_receive(raw).status == RECORDED
    again = message_receive(raw)

    assert again.status == DUPLICATE
    assert cfx_events(usid).count() == 1
    assert Message.objects.get().deliveries == 2


def test_work_completed_is_a_done_scan_of_each_unit(line):
    first, second = line.units(2)
    Endpoint.objects.create(handle="CFX.A00.REFLOW-2", station=line.station)

    receipt = message_receive(encoded(work_completed(first, second)))

    assert receipt.status == RECORDED
    assert [unit_of(line.part, u)["qc_result"] for u in (first, second)] == ["pass", "pass"]


def test_aborted_work_records_nothing_and_says_so(line):
    (usid,) = line.units(1)
    Endpoint.objects.create(handle="CFX.A00.REFLOW-2", station=line.station)

    receipt = message_receive(encoded(work_completed(usid, result="Aborted")))

    assert receipt.status == RECORDED and "Aborted: nothing to record" in receipt.summary
    assert not cfx_events().exists()


def test_materials_installed_once_mapped_become_lot_components_at_the_stations_stage(line, client):
    first, second = line.units(2)

    unmapped = message_receive(encoded(materials_installed(first, second)))

    assert unmapped.status == DEAD_LETTERED
    assert "CAP-100N-0402" in unmapped.summary or "CAP-100N-0402" in unmapped.summary + (
        DeadLetter.objects.get().reason
    )
    assert NameMapping.objects.filter(kind="material", name="CAP-100N-0402").exists()
    assert not Installation.objects.exists()
    NameMapping.objects.filter(name="CAP-100N-0402").update(field_key="cap_c12")
    Endpoint.objects.filter(handle=PLACER).update(revision=F("revision") + 1)

    replayed = dead_letter_replay(dead_letter=DeadLetter.objects.get(), user=None)

    assert replayed.status == RECORDED
    installed = Installation.objects.filter(lot="REEL-000981")
    assert sorted(installed.values_list("parent_usid", "stage", "component")) == [
        (first, "smd", "cap_c12"),
        (second, "smd", "cap_c12"),
    ]
    token = api_token_issue(name="trace-reader", may_read=True)[1]
    traced = client.get(
        "/api/v1/trace?lot=REEL-000981", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert sorted(unit["usid"] for unit in traced["units"]) == [first, second]


def test_a_material_installed_in_an_unregistered_board_registers_it_at_the_stage(line):
    receipt = message_receive(encoded(materials_installed("U00042")))
    NameMapping.objects.filter(name="CAP-100N-0402").update(field_key="cap_c12")
    Endpoint.objects.filter(handle=PLACER).update(revision=F("revision") + 1)
    dead_letter_replay(dead_letter=DeadLetter.objects.get(), user=None)

    assert receipt.status == DEAD_LETTERED
    assert unit_of(line.part, "U00042")["smd_result"] == "pass"
    assert Installation.objects.get().parent_usid == "U00042"


def test_another_reel_for_an_installed_component_is_refused_and_kept_as_a_dead_letter(line):
    (usid,) = line.units(1)
    NameMapping.objects.create(
        endpoint=Endpoint.objects.get(handle=PLACER),
        kind="material",
        name="CAP-100N-0402",
        field_key="cap_c12",
    )
    assert message_receive(encoded(materials_installed(usid))).status == RECORDED

    other = message_receive(encoded(materials_installed(usid, reel="REEL-000982")))

    assert other.status == DEAD_LETTERED and "already REEL-000981" in other.summary
    assert list(Installation.objects.values_list("lot", flat=True)) == ["REEL-000981"]


def test_materials_installed_kept_in_the_log_are_recorded_by_replaying_them_once(line):
    """Messages logged before lot components were recorded are recorded by a replay of the
    log; replaying them again records nothing twice."""
    (usid,) = line.units(1)
    NameMapping.objects.create(
        endpoint=Endpoint.objects.get(handle=PLACER),
        kind="material",
        name="CAP-100N-0402",
        field_key="cap_c12",
    )
    Message.objects.create(
        key="logged-1",
        name="CFX.Production.Assembly.MaterialsInstalled",
        body=json.dumps(materials_installed(usid, unique_id="logged-1")),
        outcome=Message.Outcome.RECORDED,
        summary="1 installed materials on 1 units wait to be kept as lot components.",
    )
    call_command("cfx_replay", "--name", "CFX.Production.Assembly.MaterialsInstalled")
    call_command("cfx_replay", "--name", "CFX.Production.Assembly.MaterialsInstalled")

    assert Installation.objects.get().parent_usid == usid
    assert "already recorded" in Message.objects.get().summary
    assert cfx_events(usid).count() == 0  # SMD was scanned before: the reel was added to it


def test_a_unit_the_rules_refuse_is_dead_lettered_and_recorded_by_a_replay_once_fixed(
    line, engineer
):
    (registered,) = line.units(1)
    message = units_tested(unit_result(registered), unit_result("U00777", position=2))

    receipt = message_receive(encoded(message))

    assert receipt.status == DEAD_LETTERED and "U00777" in receipt.summary
    assert cfx_events(registered).count() == 1 and not cfx_events("U00777").exists()
    dead_letter = DeadLetter.objects.get()

    line.units(777)  # U00777 is registered at SMD now (with 776 others)
    replay = dead_letter_replay(dead_letter=dead_letter, user=engineer)

    assert replay.status == RECORDED
    assert cfx_events(registered).count() == 1  # answered from its scan receipt
    assert cfx_events("U00777").count() == 1
    dead_letter.refresh_from_db()
    assert dead_letter.status == DeadLetter.Status.REPLAYED and dead_letter.replayed_by == engineer


def test_a_unit_out_of_stage_order_is_dead_lettered_with_the_rules_reason(line):
    Endpoint.objects.filter(pk=line.endpoint.pk).update(station=None)
    line.station.stage = "dispatch"
    line.station.save()
    Endpoint.objects.filter(pk=line.endpoint.pk).update(station=line.station)
    (usid,) = line.units(1)

    receipt = message_receive(encoded(units_tested(unit_result(usid))))

    assert receipt.status == DEAD_LETTERED and "QC not done yet" in receipt.summary
    assert not cfx_events().exists()


HUGE = 10 * 1024 * 1024


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"<xml>not json</xml>", "not JSON"),
        (
            encoded(units_tested(unit_result("U00001")) | {"MessageName": "CFX.Production.Nope"}),
            "Unknown message name 'CFX.Production.Nope'",
        ),
        (encoded(units_tested(unit_result("U0\x0701"))), "control character"),
        (
            encoded(units_tested(unit_result("U00001", measurements=[measurement("VOUT", "5.1")]))),
            'measurement VOUT of test Power rail: its value is "5.1", not a number',
        ),
        (b'{"MessageName": "' + b"x" * HUGE + b'"}', "10,485,7"),
        (b"\xff\xfe not utf-8", "not UTF-8"),
        (b'{"MessageName": "a", "MessageName": "b"}', "appears twice"),
        (b"[" * 100000, "not JSON"),
    ],
    ids=[
        "not-json",
        "unknown-name",
        "control-character",
        "not-a-number",
        "10-MB",
        "not-utf8",
        "duplicate-key",
        "deep-nesting",
    ],
)
def test_bad_input_is_dead_lettered_with_its_reason_and_records_nothing(line, raw, reason):
    line.units(1)

    receipt = message_receive(raw)

    assert receipt.status == DEAD_LETTERED
    dead_letter = DeadLetter.objects.get()
    assert reason in dead_letter.reason
    assert not cfx_events().exists()
    assert len(dead_letter.message.body) <= max(len(raw), 16 * 1024)


def test_a_10_mb_message_is_kept_cut_short_and_cannot_be_replayed(line, engineer):
    raw = encoded(units_tested(unit_result("U00001"))) + b" " * HUGE
    message_receive(raw)
    dead_letter = DeadLetter.objects.get()

    assert not dead_letter.body_complete
    assert dead_letter_replay(dead_letter=dead_letter, user=engineer).status == DEAD_LETTERED


def map_vout(line):
    NameMapping.objects.update_or_create(
        endpoint=line.endpoint, kind="measurement", name="VOUT", defaults={"field_key": "vout"}
    )
    Endpoint.objects.filter(pk=line.endpoint.pk).update(revision=F("revision") + 1)


def test_a_measurement_is_listed_for_mapping_and_recorded_as_stage_data_once_mapped(line):
    first, second = line.units(2)
    message_receive(
        encoded(units_tested(unit_result(first, measurements=[measurement("VOUT", 5.0)])))
    )
    assert NameMapping.objects.get(name="VOUT").field_key == ""  # listed, waiting
    map_vout(line)

    receipt = message_receive(
        encoded(units_tested(unit_result(second, measurements=[measurement("VOUT", 5.1)])))
    )

    assert receipt.status == RECORDED
    assert unit_of(line.part, first)["f_vout"] is None
    assert unit_of(line.part, second)["f_vout"] == Decimal("5.1")
    assert cfx_events(second).get().data == {"vout": 5.1}


def test_a_passed_unit_measured_out_of_limits_is_refused_and_dead_lettered_naming_the_value(
    line,
):
    (usid,) = line.units(1)
    map_vout(line)

    receipt = message_receive(
        encoded(units_tested(unit_result(usid, measurements=[measurement("VOUT", 5.6)])))
    )

    assert receipt.status == DEAD_LETTERED
    reason = DeadLetter.objects.get().reason
    assert "Not recorded as a pass" in reason and "5.6" in reason and "4.75 to 5.25" in reason
    assert unit_of(line.part, usid)["qc_result"] is None
    assert not cfx_events(usid).exists()


def test_a_failed_unit_keeps_its_out_of_limits_measurement(line):
    (usid,) = line.units(1)
    map_vout(line)

    message_receive(
        encoded(units_tested(unit_result(usid, "Failed", measurements=[measurement("VOUT", 5.6)])))
    )

    unit = unit_of(line.part, usid)
    assert unit["qc_result"] == "fail" and unit["f_vout"] == Decimal("5.6")


def test_limits_that_disagree_with_the_fields_are_flagged_on_the_scan_and_in_the_log(line):
    first, second = line.units(2)
    map_vout(line)

    receipt = message_receive(
        encoded(
            units_tested(
                unit_result(first, measurements=[measurement("VOUT", 5.0, low=4.5, high=5.5)]),
                unit_result(second, position=2, measurements=[measurement("VOUT", 5.0)]),
            )
        )
    )

    flag = "Limits disagree: VOUT was tested against 4.5 to 5.5 V, Output voltage allows 4.75"
    assert receipt.status == RECORDED and flag in receipt.summary
    assert flag in cfx_events(first).get().reason
    assert "Limits disagree" not in cfx_events(second).get().reason
    assert flag in Message.objects.get().summary  # shown on the endpoint page


def test_a_measurement_that_is_not_a_number_is_dead_lettered_and_nothing_recorded(line):
    (usid,) = line.units(1)
    map_vout(line)

    receipt = message_receive(
        encoded(units_tested(unit_result(usid, measurements=[measurement("VOUT", "5.0")])))
    )

    assert receipt.status == DEAD_LETTERED
    assert 'measurement VOUT of test Power rail: its value is "5.0", not a number' in (
        DeadLetter.objects.get().reason
    )
    assert not cfx_events().exists()


def test_a_redelivered_message_records_its_data_and_components_once(line):
    (usid,) = line.units(1)
    map_vout(line)
    NameMapping.objects.create(
        endpoint=Endpoint.objects.get(handle=PLACER),
        kind="material",
        name="CAP-100N-0402",
        field_key="cap_c12",
    )
    tested = encoded(units_tested(unit_result(usid, measurements=[measurement("VOUT", 5.0)])))
    placed = encoded(materials_installed(usid))

    first = [message_receive(tested).status, message_receive(placed).status]
    again = [message_receive(tested).status, message_receive(placed).status]

    assert first == [RECORDED, RECORDED] and again == [DUPLICATE, DUPLICATE]
    assert cfx_events(usid).count() == 1
    assert Installation.objects.count() == 1
    assert set(Message.objects.values_list("deliveries", flat=True)) == {2}


def test_the_listeners_last_resort_keeps_the_message_as_a_dead_letter_once(line):
    raw = encoded(units_tested(unit_result("U00001")))

    first = message_dead_letter(raw, reason="Shopfloor could not record it (KeyError: 'x').")
    again = message_dead_letter(raw, reason="Shopfloor could not record it (KeyError: 'x').")

    assert (first.status, again.status) == (DEAD_LETTERED, DUPLICATE)
    assert DeadLetter.objects.get().reason.startswith("Shopfloor could not record it")
    assert not cfx_events().exists()
