"""The part dashboard on a 1366x768 office screen: the per-hour chart fits in half a screen
and its title is sized like the page's other headings."""

import pytest

from tests.conftest import PASSWORD
from tests.stations.scan_support import part_with_procedure, scan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_per_hour_chart_stays_within_half_a_1366x768_screen(
    page, live_server, sign_in_as, supervisor, engineer
):
    part = part_with_procedure(engineer)
    for unit in range(12):
        scan(f"U{unit}", "smd", result="pass", part_no=part.part_no)
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in_as(supervisor, PASSWORD)

    page.goto(f"{live_server.url}/dashboards/parts/{part.pk}/")

    chart = page.locator("svg.chart", has=page.locator("title", has_text="Units passed per"))
    box = chart.bounding_box()
    title = chart.locator("g[aria-hidden] text").first.bounding_box()
    assert box["width"] > 1000  # it still spans the page
    assert box["height"] <= 768 / 2
    assert title["height"] <= 30
