"""The line TV in Chromium: opened by its link alone, no navigation, eight parts on one
1920x1080 screen with figures of 48 px or more, red where a limit is passed, and dark once
its link is revoked."""

import re

import pytest
from playwright.sync_api import expect

from shopfloor.dashboards.displays import display_token_issue, display_token_revoke
from shopfloor.dashboards.models import AndonThreshold
from tests.stations.scan_support import part_with_procedure, scan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIX_STAGES = {
    "version": 1,
    "stages": [
        {"key": "smd", "label": "SMD", "result": "pass_fail"},
        {"key": "leaded", "label": "Leaded", "result": "done"},
        {"key": "glue", "label": "Glueing", "result": "done"},
        {"key": "qc", "label": "QC", "result": "pass_fail"},
        {"key": "testing", "label": "Testing", "result": "pass_fail"},
        {"key": "dispatch", "label": "Dispatch", "result": "done"},
    ],
    "fields": [],
}


@pytest.fixture
def tv_language():
    """The language the TV's browser asks for (a test may parametrize it)."""
    return "en-US"


@pytest.fixture
def tv_page(browser, tv_language):
    """A page as a TV shows it: 1920x1080, nobody signed in, console errors collected."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale=tv_language)
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.problems = problems
    yield page
    context.close()


@pytest.fixture
def eight_parts(engineer):
    parts = [
        part_with_procedure(engineer, part_no=f"PART{n}_Board", config=SIX_STAGES)
        for n in range(1, 9)
    ]
    for n, part in enumerate(parts):
        for unit in range(n + 1):
            scan(f"P{n}U{unit}", "smd", result="pass", part_no=part.part_no)
    return parts


@pytest.mark.parametrize(
    "width, height, tv_language",
    [(1920, 1080, "en-US"), (3840, 2160, "en-US"), (1920, 1080, "es-MX"), (1920, 1080, "hi-IN")],
)
def test_eight_parts_fit_a_tv_with_large_figures_and_no_navigation(
    tv_page, live_server, supervisor, eight_parts, width, height, tv_language
):
    _token, raw = display_token_issue(name="Line A TV", page_seconds=15, user=supervisor)
    tv_page.set_viewport_size({"width": width, "height": height})

    tv_page.goto(f"{live_server.url}/dashboards/tv/show/{raw}/")

    tiles = tv_page.get_by_test_id("tv-part")
    assert tiles.count() == 8
    for index in range(8):
        box = tiles.nth(index).bounding_box()
        assert tiles.nth(index).is_visible()
        assert box["x"] >= 0 and box["y"] >= 0
        assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= height
        # Everything in the tile is inside it: nothing cut off at the bottom.
        last_row = tiles.nth(index).locator("tbody tr").last.bounding_box()
        assert last_row["y"] + last_row["height"] <= box["y"] + box["height"]
    sizes = tv_page.eval_on_selector_all(
        ".tv-figure", "cells => cells.map(cell => parseFloat(getComputedStyle(cell).fontSize))"
    )
    # 48 px at 1080 lines, twice that on a 2160-line screen.
    assert len(sizes) == 8 * (3 + 2 * 6) and min(sizes) >= 48 * height / 1080
    assert tv_page.locator("nav, a[href], button, form").count() == 0
    assert tv_page.evaluate("document.documentElement.scrollHeight") <= height
    # The page asked to keep the screen awake (headless Chromium may grant or refuse it).
    expect(tv_page.locator("body")).to_have_attribute("data-wake-lock", re.compile("held|refused"))
    assert tv_page.problems == []


def test_a_stage_past_its_limit_turns_red_on_the_next_refresh(
    tv_page, live_server, supervisor, engineer, eight_parts
):
    _token, raw = display_token_issue(name="Line A TV", page_seconds=15, user=supervisor)
    tv_page.goto(f"{live_server.url}/dashboards/tv/show/{raw}/")
    leaded = tv_page.locator('[data-part="PART8_Board"] tr[data-stage="leaded"]')
    assert leaded.get_attribute("data-andon") == "none"

    # Eight units wait at Leaded on PART8; the engineer allows five.
    AndonThreshold.objects.create(
        part=eight_parts[7], stage_key="leaded", max_waiting=5, updated_by=engineer
    )

    tv_page.wait_for_selector(
        '[data-part="PART8_Board"] tr[data-stage="leaded"][data-andon="alarm"]', timeout=15_000
    )
    red = leaded.locator('[data-figure="waiting"]')
    assert red.text_content().strip() == "8"
    assert red.evaluate("cell => getComputedStyle(cell).backgroundColor") == "rgb(255, 59, 48)"
    assert tv_page.locator('[data-part="PART1_Board"] tr[data-andon="alarm"]').count() == 0
    assert tv_page.problems == []


def test_a_revoked_link_turns_the_screen_to_a_refusal(tv_page, live_server, supervisor, engineer):
    part_with_procedure(engineer, part_no="PART1_Board", config=SIX_STAGES)
    token, raw = display_token_issue(name="Line A TV", page_seconds=15, user=supervisor)
    tv_page.goto(f"{live_server.url}/dashboards/tv/show/{raw}/")
    assert tv_page.get_by_test_id("tv-part").count() == 1

    display_token_revoke(token=token, user=supervisor)

    tv_page.get_by_test_id("tv-refused").wait_for(timeout=15_000)
    assert tv_page.get_by_test_id("tv-part").count() == 0
    assert "not valid" in tv_page.content()


def test_more_parts_than_a_page_turn_pages(browser, live_server, supervisor, eight_parts, engineer):
    part_with_procedure(engineer, part_no="PART9_Board", config=SIX_STAGES)
    _token, raw = display_token_issue(name="Line A TV", page_seconds=5, user=supervisor)
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()

    page.goto(f"{live_server.url}/dashboards/tv/show/{raw}/")

    assert page.get_by_test_id("tv-page").text_content() == "Page 1 of 2"
    assert page.locator('[data-testid="tv-part"]:visible').count() == 8
    expect(page.get_by_test_id("tv-page")).to_have_text("Page 2 of 2", timeout=10_000)
    visible = page.locator('[data-testid="tv-part"]:visible')
    assert visible.count() == 1 and visible.get_attribute("data-part") == "PART9_Board"
    context.close()


@pytest.mark.parametrize("tv_language", ["es-MX"])
def test_a_spanish_screen_turns_its_pages_in_spanish_and_stays_spanish_on_refresh(
    tv_page, live_server, supervisor, eight_parts, engineer
):
    part_with_procedure(engineer, part_no="PART9_Board", config=SIX_STAGES)  # two pages
    _token, raw = display_token_issue(name="TV línea A", page_seconds=15, user=supervisor)
    page = tv_page

    page.goto(f"{live_server.url}/dashboards/tv/show/{raw}/")
    expect(page.get_by_test_id("tv-page")).to_have_text("Página 1 de 2")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    # The next refresh redraws the grid: its words are Spanish still.
    page.evaluate("document.querySelector('[data-testid=tv-updated]').dataset.old = 'yes'")
    page.wait_for_selector("[data-testid=tv-updated]:not([data-old])", timeout=15_000)
    expect(page.get_by_test_id("tv-page")).to_have_text("Página 1 de 2")
    expect(page.locator(".tv-stages th[scope=col]").first).to_have_text("Etapa")
    assert page.problems == []
