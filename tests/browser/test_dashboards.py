import io
import json
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.stations.scan_support import part_with_procedure, scan

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
    post_scan(live_server.url, token, {"usid": "U2", "stage": "smd", "part_no": part.part_no})
    expect(units).to_have_text("2", timeout=10_000)  # and it keeps refreshing
    assert page.evaluate("window.stillTheSamePage") is True  # no reload
    assert card.locator("details").evaluate("element => element.open") is True
    assert page.evaluate("window.scrollY") == 200
    activity = page.get_by_test_id("station-activity")
    expect(activity).to_be_visible()


def test_an_export_runs_in_a_worker_and_its_page_offers_the_file_when_ready(
    job_worker, sign_in_as, make_user, live_server
):
    job_worker()
    part = part_with_procedure(make_user("Engineer"))
    scan("U1", "smd", part_no=part.part_no)
    page = sign_in_as(make_user("Supervisor"), PASSWORD)
    page.goto(f"{live_server.url}/dashboards/parts/{part.pk}/")

    page.get_by_role("button", name="Units (CSV)").click()

    expect(page.get_by_role("heading", name="Units of EICS112_Part (CSV)")).to_be_visible()
    link = page.get_by_test_id("job-download")
    expect(link).to_be_visible(timeout=60_000)  # the page follows the job without a reload
    page.reload()
    with page.expect_download() as download:
        page.get_by_test_id("job-download").click()
    assert download.value.suggested_filename.startswith("EICS112_Part-units-")
    assert "U1" in Path(download.value.path()).read_text(encoding="utf-8-sig")


def test_a_usid_scanned_into_the_header_opens_the_units_page(sign_in_as, make_user, live_server):
    part = part_with_procedure(make_user("Engineer"))
    scan("U1", "smd", part_no=part.part_no)
    page = sign_in_as(make_user("Engineer"), PASSWORD)

    page.get_by_label("Find a unit by its USID").fill("U1")
    page.keyboard.press("Enter")  # the scanner's suffix

    page.wait_for_url(f"{live_server.url}/dashboards/units/U1/")
    expect(page.get_by_test_id("unit-part")).to_have_text(part.part_no)
    expect(page.get_by_test_id("unit-timeline")).to_contain_text("Passed")
