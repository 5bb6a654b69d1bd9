"""The scan screen asks for a stage's values after the scan, keyboard only, at a scanner's
speed: values typed and Enter move on, a choice is picked by its number, a measurement out of
its limits turns red and records a fail (out_of_limits), a required value left empty stops
the scan. Checked through the scan API's answer about each unit."""

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from shopfloor.scanning.services import api_token_issue
from shopfloor.stations.models import ScanEvent, Station
from tests.conftest import PASSWORD
from tests.stations.scan_support import part_with_procedure, scan
from tests.stations.stage_data_support import TESTED_PROCEDURE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WEDGE_MS = 5
SENT_WITHIN_MS = 60_000


def wedge(page, text):
    """Type ``text`` and Enter as a keyboard-wedge scanner (or a quick hand) does."""
    page.keyboard.type(text, delay=WEDGE_MS)
    page.keyboard.press("Enter")


def console_error(message):
    """A console error, other than the browser's own note of a request made while offline."""
    return message.type == "error" and not message.text.startswith("Failed to load resource")


@pytest.fixture
def testing_page(sign_in_as, make_user, live_server, defect_reasons):
    part = part_with_procedure(make_user("Engineer"), "PSU_Part", TESTED_PROCEDURE)
    for usid in ("U1", "U2", "U3"):
        scan(usid, "smd", part_no=part.part_no)
    station = Station.objects.create(name="TEST-1", line="Line A", stage="testing")
    station.parts.set([part])
    page = sign_in_as(make_user("Operator"), PASSWORD)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if console_error(m) else None)
    page.goto(f"{live_server.url}{station.get_absolute_url()}")
    expect(page.get_by_label("Scan USID")).to_be_focused()
    yield page
    assert errors == []


@pytest.fixture
def unit_answer():
    token = api_token_issue(name="checker", may_read=True)[1]
    client = Client()

    def unit(usid):
        return client.get(
            f"/api/v1/units/{usid}", headers={"Authorization": f"Bearer {token}"}
        ).json()

    return unit


def expect_sent(page, count):
    expect(page.get_by_test_id("scan-waiting")).to_have_attribute(
        "data-count", "0", timeout=SENT_WITHIN_MS
    )
    expect(page.locator("#scan-log li:not([data-status=waiting])")).to_have_count(count)


def test_values_typed_by_keyboard_are_recorded_with_the_scan(testing_page, unit_answer):
    page = testing_page
    wedge(page, "U1")
    expect(page.get_by_label("1. Output voltage *")).to_be_focused()
    wedge(page, "5.01")  # the measurement
    wedge(page, "00:1A:2B")  # a scanner fills the MAC address
    wedge(page, "2")  # firmware: the second choice
    wedge(page, "2026-11-02")  # the calibration date, and Enter sends
    wedge(page, "U2")  # the next unit follows at once
    page.keyboard.type("5.6", delay=WEDGE_MS)
    expect(page.get_by_label("1. Output voltage *")).to_have_class(re.compile("is-invalid"))
    page.keyboard.press("Enter")
    wedge(page, "00:1A:2C")
    wedge(page, "")
    wedge(page, "")

    expect_sent(page, 2)
    first, second = unit_answer("U1"), unit_answer("U2")
    assert first["data"]["v_out"] == 5.01
    assert first["data"]["mac"] == "00:1A:2B"
    assert first["data"]["firmware"] == "1.1"
    assert first["data"]["calibrated_on"] == "2026-11-02"
    assert first["stages"][1]["result"] == "pass"
    tested = [e for e in second["history"] if e["stage"] == "testing"]
    assert (tested[0]["result"], tested[0]["defect"]) == ("fail", "out_of_limits")
    assert tested[0]["source"] == "screen" and tested[0]["station"] == "TEST-1"
    assert second["data"]["v_out"] == 5.6


def test_a_required_value_left_empty_stops_the_scan_until_given_or_dropped(
    testing_page, unit_answer
):
    page = testing_page
    wedge(page, "U3")
    wedge(page, "")  # no output voltage
    wedge(page, "")
    wedge(page, "")
    wedge(page, "")  # the last Enter: the required value is missing

    voltage = page.get_by_label("1. Output voltage *")
    expect(voltage).to_be_focused()
    expect(page.get_by_text("Output voltage is required.")).to_be_visible()
    page.keyboard.press("Escape")

    expect(page.get_by_test_id("stage-data")).to_be_hidden()
    expect(page.get_by_label("Scan USID")).to_be_focused()
    page.wait_for_timeout(300)
    assert not ScanEvent.objects.filter(stage="testing").exists()
    assert unit_answer("U3")["data"]["v_out"] is None


def test_values_taken_offline_are_sent_with_their_scan_once_back(testing_page, unit_answer):
    page = testing_page
    page.context.set_offline(True)
    wedge(page, "U1")
    for value in ("4.9", "AA:01", "1", ""):
        wedge(page, value)
    wedge(page, "U2")
    for value in ("5.1", "AA:02", "", ""):
        wedge(page, value)

    expect(page.get_by_test_id("scan-waiting")).to_have_attribute("data-count", "2")
    assert not ScanEvent.objects.filter(stage="testing").exists()
    page.context.set_offline(False)

    expect_sent(page, 2)
    assert unit_answer("U1")["data"]["v_out"] == 4.9
    assert unit_answer("U1")["data"]["firmware"] == "1.0"
    assert unit_answer("U2")["data"]["mac"] == "AA:02"
    assert unit_answer("U2")["data"]["firmware"] == "2.0"  # the default
    assert ScanEvent.objects.filter(stage="testing").count() == 2
