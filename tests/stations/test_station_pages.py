import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from parts.models import ModelPart
from shopfloor.stations.models import Station
from shopfloor.stations.services import api_token_issue
from shopfloor.stations.views import REMEMBERED_STATION

pytestmark = pytest.mark.django_db


def test_an_engineer_defines_a_station_with_its_stage_and_parts(client_for, engineer):
    part = ModelPart.objects.create(model_no="EICS112", part_no="EICS112_Part")
    client = client_for(engineer)

    response = client.post(
        reverse("stations:create"),
        {"name": " QC-1 ", "line": "Line A", "stage": "qc", "parts": [part.pk], "is_active": "on"},
        follow=True,
    )

    station = Station.objects.get()
    assert (station.name, station.line, station.stage) == ("QC-1", "Line A", "qc")
    assert list(station.parts.all()) == [part]
    assert "Station QC-1 saved." in response.content.decode()


def test_a_bad_stage_key_is_named_and_no_station_is_saved(client_for, engineer):
    response = client_for(engineer).post(
        reverse("stations:create"), {"name": "QC-1", "line": "Line A", "stage": "Q C!"}
    )

    assert "A stage key is lowercase letters" in response.content.decode()
    assert not Station.objects.exists()


@pytest.mark.parametrize("url_name", ["stations:manage", "stations:create"])
def test_an_operator_cannot_define_stations(client_for, operator, url_name):
    assert client_for(operator).get(reverse(url_name)).status_code == 403


def test_an_engineer_cannot_scan(client_for, engineer, make_station):
    station = make_station()

    assert client_for(engineer).get(station.get_absolute_url()).status_code == 403


@pytest.mark.parametrize(
    "url", ["/stations/", "/stations/pick/", "/stations/manage/", "/stations/units/"]
)
def test_station_pages_send_a_signed_out_visitor_to_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_the_device_remembers_the_station_the_operator_picked(client_for, operator, make_station):
    make_station("SMD-1", "smd", line="Line A")
    qc = make_station("QC-1", "qc", line="Line A")
    client = client_for(operator)

    picker = client.get(reverse("stations:current"), follow=True)
    assert picker.redirect_chain[-1][0] == reverse("stations:pick")
    assert "SMD-1" in picker.content.decode() and "QC-1" in picker.content.decode()

    scan_screen = client.get(qc.get_absolute_url())
    assert scan_screen.cookies[REMEMBERED_STATION]["max-age"] >= 300 * 24 * 3600

    assert client.get(reverse("stations:current")).url == qc.get_absolute_url()


def test_a_forged_station_cookie_is_ignored(client_for, operator, make_station):
    station = make_station()
    client = client_for(operator)
    client.cookies[REMEMBERED_STATION] = str(station.pk)

    assert client.get(reverse("stations:current")).url == reverse("stations:pick")


def test_an_inactive_station_is_neither_listed_nor_opened(client_for, operator, make_station):
    station = make_station("OLD-1", is_active=False)
    client = client_for(operator)

    assert "OLD-1" not in client.get(reverse("stations:pick")).content.decode()
    assert client.get(station.get_absolute_url()).status_code == 404


def test_the_scan_screen_shows_one_scan_field_and_the_stage(client_for, operator, make_station):
    station = make_station("QC-1", "qc")

    body = client_for(operator).get(station.get_absolute_url()).content.decode()

    assert body.count('name="code"') == 1
    assert 'id="scan-code"' in body and "autofocus" in body
    assert 'data-testid="station-stage">qc<' in body
    assert "js/scan_screen.js" in body


def test_each_role_holds_its_station_permissions(operator, supervisor, engineer):
    assert operator.has_perm("stations.scan_unit")
    assert not operator.has_perm("stations.override_unit")
    assert supervisor.has_perm("stations.override_unit")
    assert not supervisor.has_perm("stations.add_station")
    assert engineer.has_perm("stations.add_station") and engineer.has_perm("stations.add_apitoken")
    assert not engineer.has_perm("stations.scan_unit")


def test_an_engineer_issues_a_stations_token_shown_once(client_for, engineer, make_station, api):
    station = make_station("QC-1", "qc")

    response = client_for(engineer).post(reverse("stations:token", args=[station.pk]))

    secret = response.context["secret"]
    assert secret in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert api.post({"usid": "U1", "stage": "qc"}, token=secret).status_code == 404
    read = api.get("/api/v1/units/U1", token=secret)
    assert read.status_code == 403 and read.json()["error"]["code"] == "read_not_allowed"


def test_a_stations_token_never_takes_over_a_device_token_of_the_same_name(
    client_for, engineer, make_station, api
):
    device, device_secret = api_token_issue(name="QC-1", stages=["smd"], may_read=True)
    station = make_station("QC-1", "qc")

    response = client_for(engineer).post(reverse("stations:token", args=[station.pk]), follow=True)

    assert "already the token of a device" in response.content.decode()
    device.refresh_from_db()
    assert device.station is None and device.stage_list == ["smd"] and device.may_read
    assert api.get("/api/v1/units/U1", token=device_secret).status_code == 404  # still works


def test_an_operator_cannot_issue_tokens(client_for, operator, make_station):
    station = make_station()

    assert (
        client_for(operator).post(reverse("stations:token", args=[station.pk])).status_code == 403
    )


def test_the_demo_data_has_stations_running_the_demo_part(client_for, operator):
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())

    station = Station.objects.get(name="QC-1")
    assert station.stage == "qc"
    assert list(station.parts.values_list("part_no", flat=True)) == ["EICS112_Part"]
    assert Station.objects.count() == 4
    assert client_for(operator).get(station.get_absolute_url()).status_code == 200
