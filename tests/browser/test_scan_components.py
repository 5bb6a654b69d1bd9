"""The scan screen's component step at scanner speed: the parent, then each component in
turn, the screen naming what it expects next; offline, the scan waits whole in the queue."""

import pytest
from playwright.sync_api import expect

from shopfloor.genealogy.models import Installation
from shopfloor.stations.models import ScanEvent, Station
from tests.browser.test_scan_queue import wedge  # a keyboard-wedge scanner's speed
from tests.conftest import PASSWORD
from tests.genealogy.genealogy_support import Line
from tests.stations.scan_support import unit_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

expect.set_options(timeout=15_000)


@pytest.fixture
def assembly_page(sign_in_as, make_user, live_server, defect_reasons):
    line = Line(make_user("Engineer"))
    for n in (1, 2, 3):
        line.finished_psu(f"PSU-{n}")
        line.controller_at_assembly(f"C-{n}")
    station = Station.objects.create(name="ASM-1", line="Line A", stage="assembly")
    station.parts.set([line.controller])
    page = sign_in_as(make_user("Operator"), PASSWORD)
    page.goto(f"{live_server.url}{station.get_absolute_url()}")
    expect(page.get_by_label("Scan USID")).to_be_focused()
    page.line = line
    return page


def test_the_operator_scans_the_parent_then_each_component_as_the_screen_asks(assembly_page):
    page = assembly_page
    prompt = page.get_by_test_id("component-prompt")
    wedge(page, "C-1")
    expect(prompt).to_contain_text("Now scan PSU board (PSU_Part) for C-1")
    expect(prompt).to_contain_text("1 of 3")
    wedge(page, "PSU-1")
    expect(prompt).to_contain_text("Solder paste lot (lot code)")
    wedge(page, "LOT-7")
    expect(prompt).to_contain_text("Fan")
    expect(prompt).to_contain_text("optional")
    page.keyboard.press("Enter")  # no fan lot: skipped
    expect(prompt).to_be_hidden()
    expect(page.get_by_test_id("scan-result")).to_have_attribute("data-status", "recorded")
    assert unit_of(page.line.controller, "C-1")["is_assembly"]
    assert sorted(
        Installation.objects.filter(parent_usid="C-1").values_list("component", "child_usid", "lot")
    ) == [("paste", None, "LOT-7"), ("psu", "PSU-1", None)]

    # Back to back at scanner speed: two parents with their components, no wait.
    for code in ("C-2", "PSU-2", "LOT-7", "FAN-A", "C-3", "PSU-2", "LOT-7", "FAN-B"):
        wedge(page, code)
    log = page.get_by_test_id("scan-log")
    expect(log.locator("[data-status=refused]")).to_have_count(1)
    expect(log).to_contain_text("PSU-2 is already installed in C-2")
    assert list(
        Installation.objects.filter(child_usid="PSU-2").values_list("parent_usid", flat=True)
    ) == ["C-2"]
    assert not unit_of(page.line.controller, "C-3")["is_assembly"]
    assert ScanEvent.objects.filter(stage="assembly").count() == 2


def test_offline_the_scan_and_its_components_wait_together_and_are_sent_once(assembly_page):
    page = assembly_page
    page.context.set_offline(True)
    for code in ("C-1", "PSU-1", "LOT-9", "FAN-1"):
        wedge(page, code)
    expect(page.get_by_test_id("scan-waiting")).to_have_attribute("data-count", "1")
    assert not Installation.objects.exists()
    page.context.set_offline(False)
    expect(page.get_by_test_id("scan-waiting")).to_have_attribute("data-count", "0")
    expect(page.get_by_test_id("scan-log").locator("[data-status=recorded]")).to_have_count(1)
    assert Installation.objects.filter(parent_usid="C-1").count() == 3


def test_esc_cancels_a_scan_waiting_for_its_components(assembly_page):
    page = assembly_page
    wedge(page, "C-1")
    wedge(page, "PSU-1")
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("component-prompt")).to_be_hidden()
    result = page.get_by_test_id("scan-result")
    expect(result).to_have_attribute("data-status", "cancelled")
    expect(result).to_contain_text("Cancelled")
    expect(result).to_contain_text("Scan cancelled: nothing recorded.")
    # Its own look: neither a refusal's red nor left unstyled.
    expect(result).to_have_css("background-color", "rgb(233, 236, 239)")
    expect(result).to_have_css("border-top-style", "dashed")
    wedge(page, "C-2")
    expect(page.get_by_test_id("component-prompt")).to_contain_text("for C-2")
    assert not ScanEvent.objects.filter(stage="assembly").exists()


def test_a_station_running_any_part_asks_for_the_components_of_the_part_typed(
    sign_in_as, make_user, live_server, defect_reasons
):
    line = Line(make_user("Engineer"))
    line.finished_psu("PSU-1")
    line.controller_at_assembly("C-1")
    line.controller_at_assembly("C-2")
    station = Station.objects.create(name="ASM-ANY", line="Line A", stage="assembly")
    page = sign_in_as(make_user("Operator"), PASSWORD)
    page.goto(f"{live_server.url}{station.get_absolute_url()}")
    expect(page.get_by_test_id("component-hint")).to_contain_text("CTRL_Part install components")
    prompt = page.get_by_test_id("component-prompt")

    # Without the part no. the screen cannot know the part: the scan goes and is refused,
    # naming what it lacks.
    expect(page.get_by_label("Scan USID")).to_be_focused()
    wedge(page, "C-2")
    expect(page.get_by_test_id("scan-result")).to_have_attribute("data-status", "refused")
    expect(page.get_by_test_id("scan-result")).to_contain_text("PSU board")
    expect(prompt).to_be_hidden()

    page.locator("#scan-part").fill("ctrl_part")
    page.get_by_label("Scan USID").focus()
    wedge(page, "C-1")
    expect(prompt).to_contain_text("Now scan PSU board (PSU_Part) for C-1")
    for code in ("PSU-1", "LOT-7", ""):
        wedge(page, code)
    expect(page.get_by_test_id("scan-result")).to_have_attribute("data-status", "recorded")
    assert unit_of(line.controller, "C-1")["is_assembly"]
    assert not unit_of(line.controller, "C-2")["is_assembly"]
    assert Installation.objects.filter(parent_usid="C-1", child_usid="PSU-1").exists()
