"""Operators at a shared station device, in Chromium: badge sign-in on the lock screen, a
switch of operator with one badge scan between scans typed at a scanner's speed, and the
lock after the idle time."""

import pytest
from playwright.sync_api import expect

from shopfloor.operators.services import badge_issue
from shopfloor.stations.models import ScanEvent, Station
from tests.conftest import PASSWORD
from tests.stations.scan_support import part_with_procedure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WEDGE_MS = 5  # a USB scanner types a character every few milliseconds
SENT_WITHIN_MS = 60_000


def wedge(page, code):
    """Type ``code`` and Enter as a keyboard-wedge scanner does; no wait for any answer."""
    page.keyboard.type(code, delay=WEDGE_MS)
    page.keyboard.press("Enter")


@pytest.fixture
def floor(make_user, defect_reasons):
    engineer = make_user("Engineer")
    part = part_with_procedure(engineer)
    station = Station.objects.create(name="SMD-1", line="Line A", stage="smd")
    station.parts.set([part])
    admin = make_user(superuser=True)
    ana = make_user("Operator", email="ana@plant.example", full_name="Ana Lima")
    ben = make_user("Operator", email="ben@plant.example", full_name="Ben Okafor")
    badge_issue(user=ana, code="OP-ANA-0001", issued_by=admin)
    badge_issue(user=ben, code="OP-BEN-0002", issued_by=admin)
    return {"engineer": engineer, "station": station, "ana": ana, "ben": ben}


@pytest.fixture
def device(page, sign_in_as, live_server, floor):
    """The browser bound to SMD-1 by an engineer, who then signs out: the lock screen."""
    station = floor["station"]
    sign_in_as(floor["engineer"], PASSWORD)
    page.get_by_test_id("nav-more").click()
    page.get_by_test_id("nav-entries").get_by_role("link", name="Badge devices").click()
    page.get_by_role("button", name=f"Bind this device to {station.name}").click()
    expect(page.get_by_test_id("device-binding")).to_contain_text("bound to SMD-1")
    # The page after binding may show before its scripts ran: the account menu opens only
    # once Bootstrap's script has (it says so in aria-expanded).
    page.wait_for_load_state("load")
    menu = page.get_by_test_id("account-menu")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server.url}/operators/badge/")
    expect(page.get_by_label("Scan your badge")).to_be_focused()
    return page


def test_a_badge_signs_in_and_one_badge_scan_switches_the_operator_between_scans(
    device, live_server, floor
):
    wedge(device, "BADGE:OP-ANA-0001")
    expect(device.get_by_test_id("operator-name")).to_have_text("Ana Lima")
    expect(device.get_by_label("Scan USID")).to_be_focused()

    for code in ["U-0001", "U-0002", "BADGE:OP-BEN-0002", "U-0003", "U-0004"]:
        wedge(device, code)

    expect(device.get_by_test_id("scan-waiting")).to_have_attribute(
        "data-count", "0", timeout=SENT_WITHIN_MS
    )
    expect(device.get_by_test_id("operator-name")).to_have_text("Ben Okafor")
    expect(device.locator("#scan-log li[data-status=recorded]")).to_have_count(4)
    expect(device.locator("#scan-log li[data-status=signed_in]")).to_contain_text(
        "Ben Okafor signed in at SMD-1."
    )
    expect(device.locator("#scan-log")).not_to_contain_text("OP-BEN-0002")
    assert "OP-BEN-0002" not in device.evaluate("JSON.stringify(window.localStorage)")
    by = dict(ScanEvent.objects.values_list("usid", "user__full_name"))
    assert by == {
        "U-0001": "Ana Lima",
        "U-0002": "Ana Lima",
        "U-0003": "Ben Okafor",
        "U-0004": "Ben Okafor",
    }
    # The recent-scans table, as a supervisor reads it at the station, says who scanned.
    recent = device.get_by_test_id("recent-scans")
    expect(recent.locator("tr", has_text="U-0004")).to_contain_text("Ben")
    expect(recent.locator("tr", has_text="U-0001")).to_contain_text("Ana")


def test_an_unknown_badge_is_refused_on_the_lock_screen_naming_no_one(device, floor):
    wedge(device, "OP-NOBODY-9")

    refusal = device.get_by_test_id("badge-refusal")
    expect(refusal).to_contain_text("This badge is not known or not in use.")
    expect(device.get_by_label("Scan your badge")).to_be_focused()
    assert not ScanEvent.objects.exists()


def test_the_screen_locks_to_scan_your_badge_after_the_idle_time(device, settings, floor):
    settings.STATION_IDLE_LOCK_MINUTES = 0.05  # three seconds
    wedge(device, "OP-ANA-0001")
    expect(device.get_by_test_id("operator-name")).to_have_text("Ana Lima")
    wedge(device, "U-0001")
    expect(device.get_by_test_id("scan-result")).to_have_attribute("data-status", "recorded")

    expect(device.get_by_test_id("locked-idle")).to_be_visible(timeout=10_000)

    expect(device.get_by_label("Scan your badge")).to_be_focused()
    wedge(device, "U-0002")  # typed on the lock screen: a refused badge, not a scan
    expect(device.get_by_test_id("badge-refusal")).to_be_visible()
    assert list(ScanEvent.objects.values_list("usid", flat=True)) == ["U-0001"]


def test_an_unqualified_operator_is_refused_at_a_limited_station_and_stage(device, floor):
    from shopfloor.operators.models import Qualification, QualificationRule

    station = floor["station"]
    part = station.parts.get()
    QualificationRule.objects.create(station=station)
    wedge(device, "OP-ANA-0001")
    expect(device.get_by_test_id("badge-refusal")).to_contain_text(
        "Not qualified for station SMD-1, or the qualification has expired: ask your supervisor."
    )

    station_rule = QualificationRule.objects.get(station=station)
    Qualification.objects.create(user=floor["ana"], rule=station_rule, expires_on="2999-12-31")
    QualificationRule.objects.create(part=part, stage="smd")
    wedge(device, "OP-ANA-0001")
    expect(device.get_by_test_id("operator-name")).to_have_text("Ana Lima")
    wedge(device, "U-0001")

    expect(device.get_by_test_id("scan-result")).to_have_attribute("data-status", "refused")
    expect(device.get_by_test_id("scan-result")).to_contain_text(
        "Not qualified for stage smd of EICS112_Part"
    )
    assert not ScanEvent.objects.exists()
