"""Stations scanning the same unit at the same moment, through real HTTP on PostgreSQL."""

import pytest
from django.db import connection

from shopfloor.scanning.services import api_token_issue
from shopfloor.stations.models import ScanEvent, UnitRegistration
from tests.stations.scan_support import part_with_procedure, scan, unit_of
from tests.support.load_client import JsonClient, all_at_once

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs concurrent connections to one database; the SQLite test database is "
        "in memory, and SQLite's write lock (BEGIN IMMEDIATE) serialises scans anyway",
    ),
    pytest.mark.django_db(transaction=True),
]
CLIENTS = 12


def send_together(live_server, bodies):
    token = api_token_issue(name="rig-concurrent")[1]
    clients = [JsonClient(live_server.url, token) for _body in bodies]
    try:
        return all_at_once(
            [
                lambda c=c, b=b: c.post("/api/v1/scans", b)
                for c, b in zip(clients, bodies, strict=True)
            ]
        )
    finally:
        for client in clients:
            client.close()


def test_the_same_scan_sent_at_once_is_recorded_exactly_once(live_server, engineer):
    part = part_with_procedure(engineer)
    scan("U1", "smd", part_no=part.part_no)

    answers = send_together(live_server, [{"usid": "U1", "stage": "qc"}] * CLIENTS)

    statuses = sorted(status for status, _body in answers)
    assert statuses == [200] * (CLIENTS - 1) + [201], answers
    assert ScanEvent.objects.filter(stage="qc").count() == 1


def test_first_scans_of_one_new_usid_at_two_parts_register_it_once(live_server, engineer):
    part_a = part_with_procedure(engineer, part_no="EICS112_Part")
    part_b = part_with_procedure(engineer, part_no="EICS200_Part")
    bodies = [
        {"usid": "U-NEW", "stage": "smd", "part_no": part.part_no}
        for part in [part_a, part_b] * (CLIENTS // 2)
    ]

    answers = send_together(live_server, bodies)

    winners = [body for status, body in answers if status == 201]
    assert len(winners) == 1, answers
    winner = winners[0]["part_no"]
    for (status, body), sent in zip(answers, bodies, strict=True):
        if body is not winners[0]:
            expected = (200, "already_recorded") if sent["part_no"] == winner else (409, None)
            assert status == expected[0], (sent, body)
            if status == 409:
                assert body["error"]["code"] == "other_part"
    assert UnitRegistration.objects.get(usid="U-NEW").part.part_no == winner
    assert [unit_of(p, "U-NEW") is not None for p in (part_a, part_b)].count(True) == 1
    assert ScanEvent.objects.count() == 1


def test_two_stations_recording_two_stages_of_one_unit_at_once_keep_both(live_server, engineer):
    part = part_with_procedure(engineer)
    scan("U1", "smd", part_no=part.part_no)
    bodies = [{"usid": "U1", "stage": "leaded"}, {"usid": "U1", "stage": "qc"}] * (CLIENTS // 2)

    answers = send_together(live_server, bodies)

    assert sorted(status for status, _body in answers).count(201) == 2, answers
    row = unit_of(part, "U1")
    assert row["is_leaded"] and row["is_qc"]
    assert ScanEvent.objects.filter(stage__in=["leaded", "qc"]).count() == 2
