import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from shopfloor.scanning.services import api_token_issue
from shopfloor.stations.models import Station
from shopfloor.stations.views import REMEMBERED_STATION
from tests.stations.scan_support import part_with_procedure

pytestmark = pytest.mark.django_db


def test_an_engineer_defines_a_station_with_its_stage_and_parts(client_for, engineer):
    part = part_with_procedure(engineer)
    client = client_for(engineer)
    form = client.get(reverse("stations:create")).content.decode()
    assert f'<option value="qc" data-parts="{part.pk}">QC (qc) · EICS112_Part</option>' in form

    response = client.post(
        reverse("stations:create"),
        {"name": " QC-1 ", "line": "Line A", "stage": "qc", "parts": [part.pk], "is_active": "on"},
        follow=True,
    )

    station = Station.objects.get()
    assert (station.name, station.line, station.stage) == ("QC-1", "Line A", "qc")
    assert list(station.parts.all()) == [part]
    assert "Station QC-1 saved." in response.content.decode()


def test_a_stage_no_part_has_is_named_and_no_station_is_saved(client_for, engineer):
    response = client_for(engineer).post(
        reverse("stations:create"), {"name": "QC-1", "line": "Line A", "stage": "qcc"}
    )

    assert "qcc is not one of the available choices" in response.content.decode()
    assert not Station.objects.exists()


def test_a_stage_none_of_the_stations_parts_has_is_refused(client_for, engineer):
    smd_only = {"version": 1, "stages": [{"key": "smd", "label": "SMD"}], "fields": []}
    part_with_procedure(engineer)
    other = part_with_procedure(engineer, part_no="EICS200_Board", config=smd_only)
    data = {"name": "QC-1", "line": "Line A", "stage": "qc", "parts": [other.pk]}

    response = client_for(engineer).post(reverse("stations:create"), data)

    assert "None of this station&#x27;s parts (EICS200_Board) has the stage qc." in (
        response.content.decode()
    )
    assert not Station.objects.exists()


def test_the_pick_tiles_show_the_stage_label_line_and_parts(client_for, engineer, operator):
    part = part_with_procedure(engineer)
    station = Station.objects.create(name="QC-1", line="Line A", stage="qc")
    station.parts.set([part])

    body = client_for(operator).get(reverse("stations:pick")).content.decode()

    tile = body.split(f'data-testid="station-{station.pk}"')[1].split("</a>")[0]
    assert 'data-testid="station-stage">QC<' in tile and "Line A · EICS112_Part" in tile


@pytest.mark.parametrize("url_name", ["stations:manage", "stations:create"])
def test_an_operator_cannot_define_stations(client_for, operator, url_name):
    assert client_for(operator).get(reverse(url_name)).status_code == 403


def test_an_engineer_cannot_scan(client_for, engineer, make_station):
    station = make_station()

    assert client_for(engineer).get(station.get_absolute_url()).status_code == 403


@pytest.mark.parametrize(
    "url", ["/stations/", "/stations/pick/", "/stations/manage/", "/dashboards/units/"]
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


def test_the_demo_data_has_stations_running_the_demo_parts(client_for, operator):
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())

    station = Station.objects.get(name="QC-1")
    assert station.stage == "qc"
    assert sorted(station.parts.values_list("part_no", flat=True)) == [
        "CTL220_Controller",
        "EICS112_Part",
    ]
    assert Station.objects.get(name="GLUE-1").stage == "glueing"
    assert Station.objects.count() == 6
    assert client_for(operator).get(station.get_absolute_url()).status_code == 200
