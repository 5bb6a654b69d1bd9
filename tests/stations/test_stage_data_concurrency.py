"""A unique value sent by many stations at the same moment, through real HTTP on PostgreSQL:
exactly one unit gets it, every other scan is refused naming that unit and writes nothing."""

import pytest
from django.db import connection

from shopfloor.stations.models import ScanEvent
from tests.stations.scan_support import part_with_procedure, scan
from tests.stations.stage_data_support import TESTED_PROCEDURE
from tests.stations.test_concurrent_scans import CLIENTS, send_together

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs concurrent connections to one database (the SQLite test database is "
        "in memory and serialises writers anyway)",
    ),
    pytest.mark.django_db(transaction=True),
]


def test_one_mac_address_scanned_on_many_units_at_once_goes_to_exactly_one(
    live_server, engineer, defect_reasons
):
    part = part_with_procedure(engineer, "PSU_Part", TESTED_PROCEDURE)
    usids = [f"U{number}" for number in range(CLIENTS)]
    for usid in usids:
        scan(usid, "smd", part_no=part.part_no)
    bodies = [
        {"usid": usid, "stage": "testing", "data": {"v_out": 5.0, "mac": "00:1A:2B"}}
        for usid in usids
    ]

    answers = send_together(live_server, bodies)

    winners = [body["usid"] for status, body in answers if status == 201]
    refusals = [body["error"] for status, body in answers if status == 409]
    assert len(winners) == 1 and len(refusals) == CLIENTS - 1, answers
    assert {error["code"] for error in refusals} == {"duplicate_value"}
    assert {error["usid_holding"] for error in refusals} == set(winners)
    holders = part.unit_model().objects.filter(f_mac="00:1A:2B")
    assert list(holders.values_list("usid", flat=True)) == winners
    assert ScanEvent.objects.filter(stage="testing").count() == 1
