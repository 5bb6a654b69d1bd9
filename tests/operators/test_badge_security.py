"""Badge guessing is throttled like passwords; a badge opens the scan screen only; an idle
badge session ends on the server."""

import time

import pytest
from django.test import Client

from shopfloor.operators.services import badge_policy_set
from shopfloor.operators.station_sessions import BADGE_SESSION
from shopfloor.stations.models import ScanEvent, Station
from tests.operators.conftest import BADGE_A, bind_device

pytestmark = pytest.mark.django_db
JSON = {"Accept": "application/json"}


@pytest.fixture(autouse=True)
def _small_limits(settings):
    settings.SIGN_IN_FAILURE_LIMIT = 3
    settings.SIGN_IN_LOCKOUT_MINUTES = 15


def badge(client, code):
    return client.post("/operators/badge/", {"code": code})


def test_guessing_badges_at_a_station_pauses_badge_sign_in_there(device, station, ana):
    for guess in ("GUESS-0001", "GUESS-0002", "GUESS-0003"):
        assert "not known" in badge(device, guess).content.decode()

    paused = badge(device, BADGE_A)

    assert paused.status_code == 429 and "paused at this station" in paused.content.decode()
    assert "Ana" not in paused.content.decode()
    assert device.get("/stations/").wsgi_request.user.is_anonymous


def test_a_pause_at_one_station_leaves_the_others_open(device, station, engineer, ana):
    for guess in ("GUESS-0001", "GUESS-0002", "GUESS-0003"):
        badge(device, guess)
    other = Station.objects.create(name="SMD-2", line="Line A", stage="smd")
    elsewhere = bind_device(Client(), other, engineer)

    assert badge(elsewhere, BADGE_A).status_code == 302


def test_guessing_one_badges_pin_pauses_that_badge_at_every_station(
    device, station, engineer, ana, with_pin
):
    with_pin(ana, "4711")
    for wrong in ("0000", "1111", "2222"):
        badge(device, BADGE_A)
        assert "Wrong PIN" in device.post("/operators/badge/pin/", {"pin": wrong}).content.decode()
    other = Station.objects.create(name="SMD-2", line="Line A", stage="smd")
    elsewhere = bind_device(Client(), other, engineer)

    paused = badge(elsewhere, BADGE_A)

    assert paused.status_code == 429 and "paused" in paused.content.decode()
    assert elsewhere.get("/stations/").wsgi_request.user.is_anonymous


def test_badge_guesses_never_pause_the_accounts_password_sign_in(device, client, ana):
    from tests.conftest import PASSWORD

    for guess in ("GUESS-0001", "GUESS-0002", "GUESS-0003", "GUESS-0004"):
        badge(device, guess)

    response = device.post(
        "/accounts/sign-in/", {"username": "ana@plant.example", "password": PASSWORD}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "path", ["/dashboards/", "/parts/", "/stations/manage/", "/operators/qualifications/"]
)
def test_a_badge_of_an_engineer_opens_no_engineer_or_supervisor_page(
    device, station, make_user, path, admin_user
):
    from shopfloor.operators.services import badge_issue

    chief = make_user("Engineer", email="chief@plant.example", full_name="Chief")
    chief.groups.add(*make_user("Operator").groups.all())
    badge_issue(user=chief, code="CHIEF-0001", issued_by=admin_user)
    badge(device, "CHIEF-0001")

    refused = device.get(path)

    assert refused.status_code == 403
    assert "needs your email and password" in refused.content.decode()
    assert device.get(f"/stations/{station.pk}/").status_code == 200


def test_the_accounts_policy_may_let_a_badge_open_every_page(
    device, station, make_user, admin_user
):
    from shopfloor.operators.services import badge_issue

    lead = make_user("Supervisor", email="lead@plant.example")
    lead.groups.add(*make_user("Operator").groups.all())
    badge_issue(user=lead, code="LEAD-00001", issued_by=admin_user)
    badge_policy_set(user=lead, opens_all_pages=True)
    badge(device, "LEAD-00001")

    assert device.get("/dashboards/").status_code == 200


def test_a_badge_session_opens_the_scan_screen_of_its_own_station_only(device, station, ana):
    other = Station.objects.create(name="QC-1", line="Line A", stage="qc")
    badge(device, BADGE_A)

    assert device.get(f"/stations/{other.pk}/").status_code == 403
    refused = device.post(f"/stations/{other.pk}/scan/", {"code": "U1"}, headers=JSON)
    assert refused.status_code == 403 and not ScanEvent.objects.exists()


def test_an_idle_badge_session_is_ended_and_its_next_scan_refused(device, station, ana, settings):
    settings.STATION_IDLE_LOCK_MINUTES = 10
    badge(device, BADGE_A)
    assert (
        device.post(f"/stations/{station.pk}/scan/", {"code": "U1"}, headers=JSON).json()["status"]
        == "recorded"
    )
    session = device.session
    session[BADGE_SESSION] = {**session[BADGE_SESSION], "last_scan": time.time() - 601}
    session.save()

    answer = device.post(f"/stations/{station.pk}/scan/", {"code": "U2"}, headers=JSON).json()

    assert answer["code"] == "station_locked" and "scan your badge" in answer["message"]
    assert list(ScanEvent.objects.values_list("usid", flat=True)) == ["U1"]
    page = device.get(f"/stations/{station.pk}/")
    assert page.status_code == 302 and page["Location"] == "/operators/badge/"


def test_an_idle_badge_screen_goes_to_the_lock_screen(device, station, ana):
    badge(device, BADGE_A)
    session = device.session
    session[BADGE_SESSION] = {**session[BADGE_SESSION], "last_scan": time.time() - 3600}
    session.save()

    page = device.get(f"/stations/{station.pk}/")

    assert page.status_code == 302 and page["Location"] == "/operators/badge/?locked=1"
    assert "locked after a while" in device.get(page["Location"]).content.decode()


def test_scans_keep_a_badge_session_open(device, station, ana, settings):
    settings.STATION_IDLE_LOCK_MINUTES = 10
    badge(device, BADGE_A)
    session = device.session
    session[BADGE_SESSION] = {**session[BADGE_SESSION], "last_scan": time.time() - 590}
    session.save()

    device.post(f"/stations/{station.pk}/scan/", {"code": "U1"}, headers=JSON)

    assert time.time() - device.session[BADGE_SESSION]["last_scan"] < 5


def test_a_scan_taken_before_the_idle_time_and_sent_late_is_recorded(
    device, station, ana, settings
):
    """The screen was offline: its queued scan arrives after the idle time, but was taken
    within it, so it is the operator's."""
    settings.STATION_IDLE_LOCK_MINUTES = 10
    device.post("/operators/badge/", {"code": BADGE_A})
    session = device.session
    session[BADGE_SESSION] = {**session[BADGE_SESSION], "last_scan": time.time() - 900}
    session.save()

    late = device.post(
        f"/stations/{station.pk}/scan/", {"code": "U1", "age_ms": "700000"}, headers=JSON
    ).json()
    idle = device.post(
        f"/stations/{station.pk}/scan/", {"code": "U2", "age_ms": "bogus"}, headers=JSON
    ).json()

    assert late["status"] == "recorded"
    assert idle["code"] == "station_locked"
    assert list(ScanEvent.objects.values_list("usid", "user")) == [("U1", ana.pk)]


def test_a_badge_session_loads_the_scripts_translations_of_its_screen(device, station, ana):
    badge(device, BADGE_A)

    catalog = device.get("/jsi18n/", headers={"Accept-Language": "es"})

    assert catalog.status_code == 200 and "Escaneo cancelado" in catalog.content.decode()


def test_a_device_stays_bound_across_a_new_secret_key_only_with_the_old_one_as_fallback(
    device, station, settings
):
    old_key = settings.SECRET_KEY
    assert device.get(f"/stations/{station.pk}/")["Location"] == "/operators/badge/"

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-key-" + "k" * 50, [old_key]
    assert device.get(f"/stations/{station.pk}/")["Location"] == "/operators/badge/"

    # Its cookie's signature no longer holds: a browser like any other, sent to sign in.
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "another-key-" + "k" * 50, []
    assert device.get(f"/stations/{station.pk}/")["Location"].startswith("/accounts/")


def test_a_forged_device_cookie_opens_no_lock_screen_however_often_it_is_sent(device, station):
    assert device.get(f"/stations/{station.pk}/")["Location"] == "/operators/badge/"
    # The same station and language, its signature altered.
    device.cookies["sf_station_device"] = device.cookies["sf_station_device"].value + "x"

    for _ in range(2):
        assert device.get(f"/stations/{station.pk}/")["Location"].startswith("/accounts/")
