import pytest
from playwright.sync_api import expect

from shopfloor.stations.models import ScanEvent, Station
from tests.conftest import PASSWORD
from tests.stations.scan_support import part_with_procedure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

expect.set_options(timeout=10_000)  # the machine running the suite may be busy
GREEN, AMBER, RED = "rgb(25, 135, 84)", "rgb(255, 193, 7)", "rgb(220, 53, 69)"


def scan(page, code):
    """Type a code and Enter, as a keyboard-wedge scanner does."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def expect_answer(page, status, words, colour):
    result = page.get_by_test_id("scan-result")
    expect(result).to_have_attribute("data-status", status)
    expect(result).to_contain_text(words)
    expect(result).to_have_css("background-color", colour)
    expect(page.locator("body")).to_have_attribute("data-last-sound", status)
    expect(page.get_by_label("Scan USID")).to_be_focused()
    expect(page.get_by_label("Scan USID")).to_have_value("")


def test_an_operator_scans_with_enter_and_sees_each_kind_of_answer(
    sign_in_as, make_user, live_server, defect_reasons
):
    part = part_with_procedure(make_user("Engineer"))
    station = Station.objects.create(name="SMD-1", line="Line A", stage="smd")
    station.parts.set([part])
    page = sign_in_as(make_user("Operator"), PASSWORD)

    page.get_by_test_id("nav-entries").get_by_role("link", name="Station").click()
    page.get_by_test_id(f"station-{station.pk}").click()
    expect(page.get_by_label("Scan USID")).to_be_focused()
    for target in (
        page.get_by_label("Scan USID"),
        page.locator("label[for=result-fail]"),
        page.get_by_label("Defect reason"),
        page.get_by_role("button", name="Record"),
    ):
        assert target.bounding_box()["height"] >= 56, "big enough for a gloved finger"

    scan(page, "U1")
    expect_answer(page, "recorded", "U1 recorded at SMD: pass.", GREEN)
    expect(page.get_by_test_id("recent-scans")).to_contain_text("U1")

    scan(page, "U1")
    expect_answer(page, "already_recorded", "U1 was already recorded at SMD", AMBER)

    scan(page, "   ")
    expect_answer(page, "refused", "only spaces", RED)

    page.get_by_role("heading", name="Last scans at SMD-1").click()
    expect(page.get_by_label("Scan USID")).to_be_focused()

    page.keyboard.press("F4")
    page.get_by_label("Defect reason").select_option("solder_bridge")
    expect(page.get_by_label("Scan USID")).to_be_focused()
    scan(page, "U2")
    expect_answer(page, "recorded", "U2 recorded at SMD: fail (Solder bridge).", GREEN)
    expect(page.locator("#result-pass")).to_be_checked()

    page.get_by_role("button", name="Sound on").click()
    scan(page, "U3")
    expect(page.locator("body")).to_have_attribute("data-last-sound", "muted")
    page.reload()
    expect(page.get_by_role("button", name="Sound off")).to_have_attribute("aria-pressed", "true")

    assert list(ScanEvent.objects.order_by("id").values_list("usid", "result")) == [
        ("U1", "pass"),
        ("U2", "fail"),
        ("U3", "pass"),
    ]
    page.goto(f"{live_server.url}/stations/")
    expect(page).to_have_url(f"{live_server.url}{station.get_absolute_url()}")
