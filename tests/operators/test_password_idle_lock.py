"""A person signed in with email and password on a device bound to a station is locked after
``STATION_IDLE_LOCK_MINUTES`` without a scan, like a badge session: the device is shared. An
engineer or supervisor working on other pages keeps the session there; back on the station's
screen after the idle time, they are locked out too."""

import time

import pytest

from shopfloor.operators.station_sessions import DEVICE_ACTIVITY
from shopfloor.stations.models import ScanEvent

pytestmark = pytest.mark.django_db
JSON = {"Accept": "application/json"}


@pytest.fixture(autouse=True)
def _ten_minutes(settings):
    settings.STATION_IDLE_LOCK_MINUTES = 10


def idle_for(client, seconds):
    session = client.session
    session[DEVICE_ACTIVITY] = time.time() - seconds
    session.save()


def scan(client, station, code, **extra):
    return client.post(f"/stations/{station.pk}/scan/", {"code": code, **extra}, headers=JSON)


def test_an_idle_password_session_on_a_bound_device_is_locked_and_its_scan_refused(
    device, station, operator
):
    device.force_login(operator)
    assert scan(device, station, "U1").json()["status"] == "recorded"
    idle_for(device, 601)

    answer = scan(device, station, "U2").json()

    assert answer["code"] == "station_locked" and "scan your badge" in answer["message"]
    assert list(ScanEvent.objects.values_list("usid", flat=True)) == ["U1"]
    page = device.get(f"/stations/{station.pk}/")
    assert page.status_code == 302 and page["Location"] == "/operators/badge/"


def test_scans_keep_a_password_session_on_a_bound_device_open(device, station, operator):
    device.force_login(operator)
    device.get(f"/stations/{station.pk}/")
    idle_for(device, 590)

    assert scan(device, station, "U1").json()["status"] == "recorded"
    assert time.time() - device.session[DEVICE_ACTIVITY] < 5
    assert scan(device, station, "U2").json()["status"] == "recorded"


def test_an_idle_screen_of_a_password_session_goes_to_the_lock_screen(device, station, operator):
    device.force_login(operator)
    device.get(f"/stations/{station.pk}/")
    idle_for(device, 3600)

    page = device.get(f"/stations/{station.pk}/")

    assert page.status_code == 302 and page["Location"] == "/operators/badge/?locked=1"
    assert device.get("/stations/").wsgi_request.user.is_anonymous


def test_an_engineer_at_work_on_other_pages_keeps_the_session_but_not_the_station_screen(
    device, station, engineer
):
    device.force_login(engineer)
    device.get("/stations/manage/")
    idle_for(device, 3600)

    assert device.get("/stations/manage/").status_code == 200
    idle_for(device, 3600)
    screen = device.get(f"/stations/{station.pk}/")

    assert screen.status_code == 302 and screen["Location"] == "/operators/badge/?locked=1"


def test_a_password_session_on_an_unbound_device_keeps_its_usual_length(client, station, operator):
    client.force_login(operator)
    idle_for(client, 3600)

    assert scan(client, station, "U1").json()["status"] == "recorded"


def test_the_lock_button_signs_a_password_session_out_on_a_bound_device(device, station, operator):
    device.force_login(operator)

    locked = device.post("/operators/badge/lock/")

    assert locked["Location"] == "/operators/badge/"
    assert device.get("/stations/").wsgi_request.user.is_anonymous
