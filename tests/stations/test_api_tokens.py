import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from shopfloor.scanning.services import api_token_issue, api_token_revoke
from shopfloor.stations.models import ApiToken, ScanEvent

pytestmark = pytest.mark.django_db

UNIT_URL = "/api/v1/units/U-NONE"


def issue_token(*args):
    out = io.StringIO()
    call_command("issue_token", *args, stdout=out)
    return out.getvalue().splitlines()


def test_issue_token_prints_the_token_alone_on_its_last_line_and_it_is_accepted(api):
    lines = issue_token("rig-7", "--stages", "smd,qc", "--read")

    secret = lines[-1]
    assert secret.startswith("sf_") and " " not in secret
    assert ApiToken.objects.get(name="rig-7").stage_list == ["smd", "qc"]
    assert api.get(UNIT_URL, token=secret).json()["error"]["code"] == "unknown_unit"


def test_the_token_is_stored_only_as_a_hash():
    token, secret = api_token_issue(name="rig-1")

    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert secret not in [str(value) for value in stored.values()]
    assert token.key_prefix == secret[:8]


def test_issuing_again_rotates_the_token_and_the_old_one_is_refused(api):
    old = issue_token("rig-2", "--read")[-1]
    new = issue_token("rig-2", "--read")[-1]

    assert ApiToken.objects.filter(name="rig-2").count() == 1
    assert api.get(UNIT_URL, token=old).status_code == 401
    assert api.get(UNIT_URL, token=new).status_code == 404


def test_issue_token_names_a_bad_stage_key_and_creates_nothing():
    with pytest.raises(CommandError, match="'Q C' is not a stage key"):
        issue_token("rig-3", "--stages", "smd,Q C")

    assert not ApiToken.objects.exists()


def test_a_token_named_after_a_station_is_bound_to_it(make_station):
    station = make_station("SMD-1", "smd")

    lines = issue_token("SMD-1")

    assert ApiToken.objects.get(name="SMD-1").station == station
    assert "station SMD-1" in lines[-2] and "smd" in lines[-2]


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "token_missing"),
        ("Token abc", "token_missing"),
        ("Bearer ", "token_missing"),
        ("Bearer sf_not-a-real-token", "token_invalid"),
        ("Bearer " + "x" * 5000, "token_invalid"),
    ],
)
def test_a_missing_or_wrong_token_is_refused_with_401_in_json(client, header, code):
    headers = {"Authorization": header} if header else {}
    response = client.get(UNIT_URL, headers=headers)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused_at_once(api):
    token, secret = api_token_issue(name="rig-4", may_read=True)
    assert api.get(UNIT_URL, token=secret).status_code == 404

    api_token_revoke(token=token)

    response = api.get(UNIT_URL, token=secret)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_invalid"


def test_last_used_is_recorded_when_the_token_is_used(api):
    token, secret = api_token_issue(name="rig-5", may_read=True)
    assert token.last_used_at is None

    api.get(UNIT_URL, token=secret)

    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_station_token_cannot_scan_another_stations_stage(api, make_station):
    make_station("QC-1", "qc")
    secret = api_token_issue(name="QC-1")[1]

    response = api.post({"usid": "U1", "stage": "smd", "part_no": "P1"}, token=secret)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "stage_not_allowed"
    assert not ScanEvent.objects.exists()


def test_a_station_token_cannot_claim_another_station(api, make_station):
    make_station("QC-1", "qc")
    make_station("QC-2", "qc")
    secret = api_token_issue(name="QC-1")[1]

    response = api.post({"usid": "U1", "stage": "qc", "station": "QC-2"}, token=secret)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "station_not_allowed"


def test_a_device_token_limited_to_stages_cannot_scan_others(api):
    secret = api_token_issue(name="rig-6", stages=["smd"])[1]

    response = api.post({"usid": "U1", "stage": "qc"}, token=secret)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "stage_not_allowed"


def test_admin_issues_a_token_shows_it_once_and_revokes_it(client_for, admin_user, api):
    client = client_for(admin_user)
    response = client.post(
        reverse("admin:stations_apitoken_add"),
        {"name": "rig-8", "stages": "qc", "may_read": "on"},
        follow=True,
    )
    message = next(str(m) for m in response.context["messages"] if "rig-8" in str(m))
    secret = message.rsplit(" ", 1)[-1]
    token = ApiToken.objects.get(name="rig-8")
    assert api.get(UNIT_URL, token=secret).status_code == 404

    client.post(
        reverse("admin:stations_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )

    assert api.get(UNIT_URL, token=secret).status_code == 401
    listing = client.get(reverse("admin:stations_apitoken_changelist")).content.decode()
    assert "rig-8" in listing and "Last used" in listing


def test_a_token_without_the_read_scope_may_scan_but_not_read_units(api, make_station):
    scanner = issue_token("rig-9", "--stages", "smd")[-1]
    station = api_token_issue(name="SMD-1", station=make_station("SMD-1", "smd"))[1]

    for secret in (scanner, station):
        for url in (UNIT_URL, "/api/v1/parts/EICS112_Part/summary"):
            response = api.get(url, token=secret)
            assert response.status_code == 403
            assert response.json()["error"]["code"] == "read_not_allowed"
            assert "--read" in response.json()["error"]["message"]
    assert api.post({"usid": "U1", "stage": "smd"}, token=scanner).status_code == 404


def test_issue_token_with_read_lets_the_token_read_units(api):
    lines = issue_token("rig-10", "--read")

    assert "may read units" in lines[-2]
    assert api.get(UNIT_URL, token=lines[-1]).json()["error"]["code"] == "unknown_unit"


def test_rotating_in_the_admin_keeps_the_read_scope(client_for, admin_user, api):
    token = api_token_issue(name="rig-11", may_read=True)[0]

    response = client_for(admin_user).post(
        reverse("admin:stations_apitoken_changelist"),
        {"action": "rotate", "_selected_action": [token.pk]},
        follow=True,
    )

    message = next(str(m) for m in response.context["messages"] if "rig-11" in str(m))
    assert api.get(UNIT_URL, token=message.rsplit(" ", 1)[-1]).status_code == 404


def test_issue_token_refuses_a_name_that_is_another_devices_token(make_station):
    device = api_token_issue(name="QC-2", stages=["smd"])[0]
    make_station("QC-2", "qc")

    with pytest.raises(CommandError, match="already the token of a device"):
        issue_token("QC-2")

    device.refresh_from_db()
    assert device.station is None and device.stage_list == ["smd"]


def test_a_revoked_device_token_may_be_reissued_for_the_station_of_its_name(make_station):
    device = api_token_issue(name="QC-3")[0]
    api_token_revoke(token=device)
    station = make_station("QC-3", "qc")

    token = api_token_issue(name="QC-3", station=station)[0]

    assert token.pk == device.pk and token.station == station and not token.is_revoked


@pytest.mark.parametrize("key", ["usid", "stage", "result"])
def test_a_json_body_naming_a_key_twice_is_refused_naming_it(api, device_token, key):
    body = '{"usid": "U1", "stage": "smd", "result": "pass", "' + key + '": "x"}'

    response = api.post(body, token=device_token)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and f"'{key}' appears twice" in error["message"]
    assert ScanEvent.objects.count() == 0
