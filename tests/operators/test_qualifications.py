"""Stations and stages limited to qualified operators; qualifications expire; the supervisor
sees who is qualified for what."""

import datetime

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from shopfloor.operators.models import Qualification, QualificationRule
from shopfloor.stations.models import ScanEvent, Station
from tests.operators.conftest import BADGE_A, bind_device
from tests.stations.scan_support import part_with_procedure, scan

pytestmark = pytest.mark.django_db
JSON = {"Accept": "application/json"}


def today(days=0):
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def engineer_page(client_for, engineer):
    return client_for(engineer)


def limit_station(client, station):
    return client.post("/operators/qualifications/rules/", {"station": station.pk})


def limit_stage(client, part, stage):
    return client.post("/operators/qualifications/rules/", {"part": part.pk, "stage": stage})


def qualify(client, user, rule, expires_on):
    return client.post(
        "/operators/qualifications/grant/",
        {"user": user.pk, "rule": rule.pk, "expires_on": expires_on.isoformat()},
    )


def test_an_unqualified_badge_is_refused_at_a_limited_station(
    device, station, ana, client, engineer
):
    QualificationRule.objects.create(station=station, created_by=engineer)

    page = device.post("/operators/badge/", {"code": BADGE_A}).content.decode()

    assert "Not qualified for station SMD-1" in page and "ask your supervisor" in page
    assert device.get("/stations/").wsgi_request.user.is_anonymous


def test_a_qualified_badge_signs_in_until_the_qualification_expires(device, station, ana, engineer):
    rule = QualificationRule.objects.create(station=station, created_by=engineer)
    qualification = Qualification.objects.create(user=ana, rule=rule, expires_on=today())

    assert device.post("/operators/badge/", {"code": BADGE_A}).status_code == 302
    device.post("/operators/badge/lock/")
    qualification.expires_on = today(-1)
    qualification.save()
    assert "Not qualified" in device.post("/operators/badge/", {"code": BADGE_A}).content.decode()


def test_a_scan_at_a_limited_stage_of_the_part_is_refused_and_not_recorded(
    device, station, part, ana, engineer
):
    rule = QualificationRule.objects.create(part=part, stage="smd", created_by=engineer)
    device.post("/operators/badge/", {"code": BADGE_A})

    refused = device.post(f"/stations/{station.pk}/scan/", {"code": "U1"}, headers=JSON).json()

    assert refused["status"] == "refused" and refused["code"] == "not_qualified"
    assert "stage smd of EICS112_Part" in refused["message"]
    assert not ScanEvent.objects.exists()
    Qualification.objects.create(user=ana, rule=rule, expires_on=today(30))
    answer = device.post(f"/stations/{station.pk}/scan/", {"code": "U1"}, headers=JSON).json()
    assert answer["status"] == "recorded"


def test_engineers_limit_and_supervisors_qualify_and_see_who_is_qualified(
    engineer_page, client_for, supervisor, station, part, ana, make_user
):
    assert limit_station(engineer_page, station).status_code == 302
    assert limit_stage(engineer_page, part, "qc").status_code == 302
    station_rule = QualificationRule.objects.get(station=station)
    stage_rule = QualificationRule.objects.get(part=part)
    boss = client_for(supervisor)
    ben = make_user("Operator", email="ben@plant.example", full_name="Ben Okafor")
    assert qualify(boss, ana, station_rule, today(90)).status_code == 302
    Qualification.objects.create(user=ben, rule=stage_rule, expires_on=today(-3))

    board = boss.get("/operators/qualifications/").content.decode()

    assert "station SMD-1" in board and "stage qc of EICS112_Part" in board
    # Expiry dates are written in the reader's date format (English: month/day/year).
    assert f"Ana Lima ({date_format(today(90), 'SHORT_DATE_FORMAT')})" in board
    assert f"Ben Okafor ({date_format(today(-3), 'SHORT_DATE_FORMAT')}, " in board
    assert "expired" in board


@pytest.mark.parametrize(
    "form, message",
    [
        ({}, "Choose a station, or a part and one of its stages."),
        ({"stage": "smd"}, "Choose a station, or a part and one of its stages."),
        ({"part": "PART", "stage": "nope"}, "has no stage nope"),
        ({"station": "STATION", "part": "PART", "stage": "smd"}, "not both"),
    ],
)
def test_a_rule_that_names_no_place_is_refused(engineer_page, station, part, form, message):
    form = {
        key: (station.pk if value == "STATION" else part.pk if value == "PART" else value)
        for key, value in form.items()
    }

    page = engineer_page.post("/operators/qualifications/rules/", form).content.decode()

    assert message in page
    assert not QualificationRule.objects.exists()


def test_a_qualification_already_expired_is_refused(client_for, supervisor, station, ana):
    rule = QualificationRule.objects.create(station=station)

    page = qualify(client_for(supervisor), ana, rule, today(-1)).content.decode()

    assert "The expiry date has passed." in page
    assert not Qualification.objects.exists()


def test_operators_neither_see_nor_change_qualifications(client_for, operator, station):
    client = client_for(operator)

    assert client.get("/operators/qualifications/").status_code == 403
    assert limit_station(client, station).status_code == 403
    assert not QualificationRule.objects.exists()


def test_supervisors_qualify_but_do_not_limit(client_for, supervisor, station):
    assert limit_station(client_for(supervisor), station).status_code == 403


def test_a_registered_unit_is_checked_against_the_rule_of_its_own_part(
    device, station, part, ana, engineer
):
    other = part_with_procedure(engineer, part_no="PWR200_Part")
    scan("P1", "smd", part_no=other.part_no)
    scan("E1", "smd", part_no=part.part_no)
    qc = Station.objects.create(name="QC-1", line="Line A", stage="qc")
    qc.parts.set([part, other])
    QualificationRule.objects.create(part=other, stage="qc", created_by=engineer)
    bind_device(device, qc, engineer)  # the device moves to QC-1
    device.post("/operators/badge/", {"code": BADGE_A})

    refused = device.post(f"/stations/{qc.pk}/scan/", {"code": "P1"}, headers=JSON).json()
    recorded = device.post(f"/stations/{qc.pk}/scan/", {"code": "E1"}, headers=JSON).json()

    assert refused["code"] == "not_qualified" and "stage qc of PWR200_Part" in refused["message"]
    assert recorded["status"] == "recorded"
    assert list(ScanEvent.objects.filter(station=qc).values_list("usid", flat=True)) == ["E1"]
