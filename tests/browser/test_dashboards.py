import io
import json
import urllib.request

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.stations.scan_support import part_with_procedure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def issue_token(name):
    output = io.StringIO()
    call_command("issue_token", name, stdout=output)
    return output.getvalue().strip().splitlines()[-1]


def post_scan(base_url, token, body):
    request = urllib.request.Request(
        f"{base_url}/api/v1/scans",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def test_the_overview_updates_after_a_scan_through_the_api_without_a_reload(
    sign_in_as, make_user, live_server, settings
):
    settings.DASHBOARD_REFRESH_SECONDS = 1
    part = part_with_procedure(make_user("Engineer"))
    for number in range(3):  # enough parts for the page to scroll
        part_with_procedure(make_user("Engineer"), part_no=f"EXTRA{number}_Part")
    token = issue_token("test-rig-1")
    page = sign_in_as(make_user("Supervisor"), PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 700})
    page.goto(f"{live_server.url}/dashboards/")
    card = page.locator(f'[data-part="{part.part_no}"]')
    units = card.locator('[data-figure="units"]')
    expect(units).to_have_text("0")
    card.locator("summary").click()  # the supervisor opens the stage figures...
    page.evaluate("window.scrollTo(0, 200); window.stillTheSamePage = true")  # ...and scrolls

    status = post_scan(
        live_server.url, token, {"usid": "U1", "stage": "smd", "part_no": part.part_no}
    )

    assert status == 201
    expect(units).to_have_text("1", timeout=10_000)
    expect(card.locator('[data-stage="smd"] [data-figure="fpy"]')).to_have_text("100.0 %")
    assert page.evaluate("window.stillTheSamePage") is True  # no reload
    assert card.locator("details").evaluate("element => element.open") is True
    assert page.evaluate("window.scrollY") == 200
    activity = page.get_by_test_id("station-activity")
    expect(activity).to_be_visible()
