"""The scan screen at a keyboard-wedge scanner's speed: every code typed (a few milliseconds a
character, Enter, the next code at once) is recorded once, in order, exactly as scanned,
whatever the network does; checked through the scan API and the scan log."""

import time

import pytest
from django.test import Client
from playwright.sync_api import expect

from shopfloor.scanning.services import api_token_issue
from shopfloor.stations.models import ScanEvent, Station, UnitRegistration
from tests.conftest import PASSWORD
from tests.stations.scan_support import part_with_procedure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SENT_WITHIN_MS = 90_000  # a whole queue on a busy machine; other answers come much sooner
WEDGE_MS = 5  # a USB scanner types a character every few milliseconds


def wedge(page, code):
    """Type ``code`` and Enter as a keyboard-wedge scanner does; no wait for any answer."""
    page.keyboard.type(code, delay=WEDGE_MS)
    page.keyboard.press("Enter")


@pytest.fixture
def station_page(sign_in_as, make_user, live_server, defect_reasons):
    part = part_with_procedure(make_user("Engineer"))
    station = Station.objects.create(name="SMD-1", line="Line A", stage="smd")
    station.parts.set([part])
    page = sign_in_as(make_user("Operator"), PASSWORD)
    page.goto(f"{live_server.url}{station.get_absolute_url()}")
    expect(page.get_by_label("Scan USID")).to_be_focused()
    return page


@pytest.fixture
def scan_api():
    """The scan API's answer about a unit, as an integration would read it."""
    token = api_token_issue(name="checker", may_read=True)[1]
    client = Client()

    def unit(usid):
        response = client.get(f"/api/v1/units/{usid}", headers={"Authorization": f"Bearer {token}"})
        return response.status_code, response.json()

    return unit


def expect_all_sent(page, count):
    expect(page.get_by_test_id("scan-waiting")).to_have_attribute(
        "data-count", "0", timeout=SENT_WITHIN_MS
    )
    expect(page.locator("#scan-log li[data-status=waiting]")).to_have_count(0)
    expect(page.locator("#scan-log li")).to_have_count(count)


def assert_recorded_exactly(scan_api, usids, result="pass"):
    """Each of ``usids`` was recorded once, in the order scanned, and nothing else was."""
    for usid in usids:
        status, unit = scan_api(usid)
        assert status == 200, (usid, unit)
        assert unit["usid"] == usid
        scans = [(e["stage"], e["result"]) for e in unit["history"] if e["action"] == "scan"]
        assert scans == [("smd", result)], (usid, unit["history"])
    assert list(ScanEvent.objects.order_by("id").values_list("usid", flat=True)) == usids
    assert set(UnitRegistration.objects.values_list("usid", flat=True)) == set(usids)


def test_fifty_back_to_back_scans_are_recorded_exactly_as_scanned(station_page, scan_api):
    usids = [f"PWR-{n:04d}P" for n in range(1, 51)]

    for usid in usids:
        wedge(station_page, usid)

    expect_all_sent(station_page, 50)
    expect(station_page.locator("#scan-log li[data-status=recorded]")).to_have_count(50)
    first = station_page.locator("#scan-log li[data-usid='PWR-0001P']")
    expect(first).to_contain_text("PWR-0001P recorded at SMD: pass.")
    assert_recorded_exactly(scan_api, usids)


def test_twenty_scans_over_a_slow_network_are_queued_and_sent_in_order(station_page, scan_api):
    def slow(route):
        station_page.wait_for_timeout(400)
        route.continue_()

    station_page.route("**/stations/*/scan/", slow)
    usids = [f"SLOW-{n:02d}" for n in range(1, 21)]

    started = time.monotonic()
    for usid in usids:
        wedge(station_page, usid)
    typed_in = time.monotonic() - started
    expect(station_page.get_by_test_id("scan-waiting")).not_to_have_attribute("data-count", "0")

    expect_all_sent(station_page, 20)
    sent_in = time.monotonic() - started
    assert typed_in < sent_in - 4, "the scans were typed while earlier ones were still in flight"
    assert_recorded_exactly(scan_api, usids)


def test_ten_scans_offline_are_kept_and_sent_in_order_when_back(station_page, scan_api):
    station_page.context.set_offline(True)
    usids = [f"OFF-{n:02d}" for n in range(1, 11)]

    for usid in usids:
        wedge(station_page, usid)

    expect(station_page.get_by_test_id("scan-connection")).to_have_attribute(
        "data-state", "offline"
    )
    expect(station_page.get_by_test_id("scan-waiting")).to_have_attribute("data-count", "10")
    expect(station_page.get_by_test_id("scan-result")).to_have_attribute("data-status", "queued")
    expect(station_page.locator("body")).to_have_attribute("data-last-sound", "queued")
    expect(station_page.get_by_test_id("scan-stuck")).to_contain_text("10 scans have not been sent")
    assert not ScanEvent.objects.exists()

    station_page.context.set_offline(False)

    expect_all_sent(station_page, 10)
    expect(station_page.get_by_test_id("scan-connection")).to_have_attribute("data-state", "online")
    expect(station_page.get_by_test_id("scan-stuck")).to_be_hidden()
    assert_recorded_exactly(scan_api, usids)


def test_scans_waiting_to_be_sent_survive_a_reload(station_page, scan_api):
    station_page.route("**/stations/*/scan/", lambda route: route.abort())
    usids = ["KEEP-1", "KEEP-2", "KEEP-3"]
    for usid in usids:
        wedge(station_page, usid)
    expect(station_page.get_by_test_id("scan-waiting")).to_have_attribute("data-count", "3")

    station_page.reload()
    expect(station_page.get_by_test_id("scan-waiting")).to_have_attribute("data-count", "3")
    station_page.unroute("**/stations/*/scan/")
    station_page.evaluate("window.dispatchEvent(new Event('online'))")

    expect_all_sent(station_page, 3)
    assert_recorded_exactly(scan_api, usids)


def test_a_fail_refused_for_its_missing_defect_stays_armed_and_its_rescan_is_a_fail(
    station_page, scan_api
):
    page = station_page
    page.keyboard.press("F4")
    wedge(page, "FAIL-1")

    result = page.get_by_test_id("scan-result")
    expect(result).to_have_attribute("data-status", "refused")
    expect(result).to_contain_text("choose the defect of the fail first")
    expect(page.get_by_test_id("fail-armed")).to_be_visible()
    expect(page.locator("#result-fail")).to_be_checked()

    page.keyboard.press("5")  # a person's key: the fifth defect reason in the list
    expect(page.get_by_test_id("fail-armed")).to_contain_text("FAIL armed: Solder bridge")
    wedge(page, "FAIL-1")
    expect(result).to_have_attribute("data-status", "recorded")
    expect(result).to_contain_text("FAIL-1 recorded at SMD: fail (Solder bridge).")
    expect(page.locator("#result-pass")).to_be_checked()
    expect(page.locator("#scan-log li[data-status=refused]")).to_have_count(1)

    page.keyboard.press("F8")
    expect(page.locator("#scan-log li.scan-log-acknowledged")).to_have_count(1)
    expect(page.get_by_test_id("scan-refusals")).to_be_hidden()
    assert_recorded_exactly(scan_api, ["FAIL-1"], result="fail")
    _status, unit = scan_api("FAIL-1")
    assert unit["history"][0]["defect"] == "solder_bridge"


def test_a_defect_card_arms_the_fail_and_a_usid_starting_with_a_digit_is_not_a_defect_key(
    station_page, scan_api
):
    page = station_page
    wedge(page, "DEFECT:missing_component")
    expect(page.get_by_test_id("fail-armed")).to_contain_text("FAIL armed: Missing component")

    wedge(page, "2024-001")
    expect(page.get_by_test_id("scan-result")).to_contain_text(
        "2024-001 recorded at SMD: fail (Missing component)."
    )
    assert_recorded_exactly(scan_api, ["2024-001"], result="fail")


def test_scans_made_while_the_instructions_are_open_are_recorded(station_page, scan_api):
    page = station_page
    # Bootstrap ignores Esc while the dialog is still fading in: wait until it is shown.
    page.evaluate(
        "document.getElementById('help-instructions').addEventListener("
        "'shown.bs.modal', () => { window.instructionsShown = true; })"
    )
    page.keyboard.press("F1")
    page.wait_for_function("() => window.instructionsShown === true")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Check solder joints under the scope.")

    for usid in ["DLG-1", "DLG-2"]:
        wedge(page, usid)

    expect_all_sent(page, 2)
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-scan-echo]")).to_contain_text("DLG-2 recorded at SMD")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_label("Scan USID")).to_be_focused()
    assert_recorded_exactly(scan_api, ["DLG-1", "DLG-2"])


def test_tag_pairing_part_choice_and_sound_by_keys_alone(
    sign_in_as, make_user, live_server, defect_reasons, scan_api
):
    engineer = make_user("Engineer")
    first = part_with_procedure(engineer, part_no="EICS112_Part")
    second = part_with_procedure(engineer, part_no="EICS200_Board")
    station = Station.objects.create(name="SMD-2", line="Line A", stage="smd", pairs_tag=True)
    station.parts.set([first, second])
    page = sign_in_as(make_user("Operator"), PASSWORD)
    page.goto(f"{live_server.url}{station.get_absolute_url()}")
    expect(page.get_by_label("Scan USID")).to_be_focused()

    page.keyboard.press("F6")  # the next part in the list
    expect(page.locator("#scan-part")).to_have_value("EICS200_Board")
    page.keyboard.press("F9")
    expect(page.locator("#scan-mute")).to_have_attribute("aria-pressed", "true")
    wedge(page, "PAIR-1")
    expect(page.get_by_test_id("waiting-for-tag")).to_contain_text("PAIR-1")
    wedge(page, "T-77")

    expect_all_sent(page, 1)
    expect(page.get_by_test_id("scan-result")).to_contain_text("PAIR-1 recorded at SMD")
    expect(page.locator("body")).to_have_attribute("data-last-sound", "muted")
    assert_recorded_exactly(scan_api, ["PAIR-1"])
    _status, unit = scan_api("PAIR-1")
    assert (unit["part_no"], unit["tag_no"]) == ("EICS200_Board", "T-77")
