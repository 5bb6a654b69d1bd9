"""Badge sign-in at a station device, without a browser: the lock screen and the scan screen."""

import pytest
from django.contrib.auth import get_user_model

from shopfloor.operators.models import OperatorBadge
from shopfloor.stations.models import ScanEvent
from tests.operators.conftest import BADGE_A, BADGE_B

pytestmark = pytest.mark.django_db
JSON = {"Accept": "application/json"}


def badge(client, code):
    return client.post("/operators/badge/", {"code": code})


def scan(client, station, code, **extra):
    return client.post(f"/stations/{station.pk}/scan/", {"code": code, **extra}, headers=JSON)


def signed_in_user(client):
    user = client.get("/stations/").wsgi_request.user
    return user if user.is_authenticated else None


def test_a_badge_signs_the_operator_in_at_the_bound_station(device, station, ana):
    response = badge(device, BADGE_A)

    assert response.status_code == 302 and response["Location"] == f"/stations/{station.pk}/"
    page = device.get(response["Location"]).content.decode()
    assert 'data-testid="operator-name">Ana Lima<' in page
    assert scan(device, station, "U1").json()["status"] == "recorded"
    assert ScanEvent.objects.get().user == ana


def test_the_lock_screen_takes_the_card_text_with_its_prefix_too(device, station, ana):
    assert badge(device, f"badge:{BADGE_A}").status_code == 302


def test_one_badge_scan_on_the_scan_screen_switches_the_operator(device, station, ana, ben):
    badge(device, BADGE_A)
    scan(device, station, "U1")

    switched = scan(device, station, f"BADGE:{BADGE_B}").json()
    scan(device, station, "U2")

    assert switched["status"] == "signed_in" and switched["operator"] == "Ben Okafor"
    assert switched["csrf_token"]
    users = dict(ScanEvent.objects.values_list("usid", "user__email"))
    assert users == {"U1": "ana@plant.example", "U2": "ben@plant.example"}


def test_a_badge_with_a_pin_signs_in_after_the_pin(device, station, ana, with_pin):
    with_pin(ana, "4711")

    asked = badge(device, BADGE_A)
    assert asked.status_code == 200 and "Type your PIN" in asked.content.decode()
    assert not asked.wsgi_request.user.is_authenticated

    signed_in = device.post("/operators/badge/pin/", {"pin": "4711"})
    assert signed_in.status_code == 302 and signed_in["Location"] == f"/stations/{station.pk}/"
    assert scan(device, station, "U1").json()["status"] == "recorded"
    assert ScanEvent.objects.get().user == ana


def test_a_badge_with_a_pin_on_the_scan_screen_sends_the_operator_to_the_pin(
    device, station, ana, ben, with_pin
):
    with_pin(ben)
    badge(device, BADGE_A)

    answer = scan(device, station, f"BADGE:{BADGE_B}").json()

    assert answer["code"] == "pin_required"
    # Ana is signed out: the next scan is nobody's until Ben types his PIN.
    assert scan(device, station, "U1").status_code == 302
    assert not ScanEvent.objects.exists()


@pytest.mark.parametrize(
    "code, expected",
    [
        ("NO-SUCH-BADGE", "not known or not in use"),
        ("ÄNA-0001", "printable ASCII"),
        ("OP-ANA\x070001", "printable ASCII"),
        ("OP ANA 0001", "printable ASCII"),
        ("AB", "6 to 64 characters"),
        ("X" * 500, "6 to 64 characters"),
        ("", "nothing was read"),
    ],
)
def test_a_bad_badge_is_refused_naming_no_account_and_nothing_is_recorded(
    device, station, ana, code, expected
):
    page = badge(device, code).content.decode()

    assert 'data-testid="badge-refusal"' in page and expected in page
    assert "ana@plant.example" not in page and "Ana Lima" not in page
    assert signed_in_user(device) is None
    assert scan(device, station, "U1").status_code == 302
    assert not ScanEvent.objects.exists()


def test_the_badge_of_a_disabled_account_is_refused_like_an_unknown_one(device, station, ana):
    get_user_model().objects.filter(pk=ana.pk).update(is_active=False)

    page = badge(device, BADGE_A).content.decode()

    assert "not known or not in use" in page and "Ana" not in page
    assert signed_in_user(device) is None


def test_a_wrong_pin_is_refused_and_signs_nobody_in(device, station, ana, with_pin):
    with_pin(ana, "4711")
    badge(device, BADGE_A)

    page = device.post("/operators/badge/pin/", {"pin": "1234"}).content.decode()

    assert "Wrong PIN" in page and "Ana" not in page
    assert signed_in_user(device) is None
    # The PIN is asked again only after the badge is scanned again.
    assert device.post("/operators/badge/pin/", {"pin": "4711"})["Location"] == "/operators/badge/"
    assert signed_in_user(device) is None


def test_a_badge_on_a_device_not_bound_to_a_station_is_refused(client, station, ana):
    response = badge(client, BADGE_A)

    assert response.status_code == 403 and "not bound to a station" in response.content.decode()
    assert signed_in_user(client) is None


def test_a_badge_card_on_a_password_screen_of_an_unbound_device_is_refused(
    client_for, station, ana, ben
):
    client = client_for(ana)

    answer = scan(client, station, f"BADGE:{BADGE_B}").json()

    assert answer["code"] == "device_not_bound" and "Ben" not in answer["message"]
    assert signed_in_user(client) == ana


def test_the_database_never_holds_a_readable_badge_code(ana):
    stored = OperatorBadge.objects.filter(user=ana).values().get()

    assert BADGE_A not in str(stored)
    assert len(stored["code_digest"]) == 64


def test_email_and_password_sign_in_keeps_working_for_an_operator_with_a_badge(client, ana):
    from tests.conftest import PASSWORD

    response = client.post(
        "/accounts/sign-in/", {"username": "ana@plant.example", "password": PASSWORD}
    )

    assert response.status_code == 302 and signed_in_user(client) == ana


@pytest.mark.parametrize("path", ["/", "/stations/", "/stations/{pk}/"])
def test_a_bound_device_with_nobody_signed_in_opens_on_its_lock_screen(device, station, path):
    response = device.get(path.format(pk=station.pk))

    assert response.status_code == 302 and response["Location"] == "/operators/badge/"
    assert "Scan your badge" in device.get("/operators/badge/").content.decode()
