"""An engineer sets a station up: the stage list follows the parts chosen."""

import pytest
from playwright.sync_api import expect

from shopfloor.stations.models import Station
from tests.conftest import PASSWORD
from tests.stations.scan_support import part_with_procedure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMD_ONLY = {"version": 1, "stages": [{"key": "smd", "label": "Solder"}], "fields": []}


def test_the_stage_list_offers_only_the_stages_of_the_chosen_parts(
    sign_in_as, make_user, live_server
):
    engineer = make_user("Engineer")
    part_with_procedure(engineer)
    part_with_procedure(engineer, part_no="EICS200_Board", config=SMD_ONLY)
    page = sign_in_as(engineer, PASSWORD)
    page.goto(f"{live_server.url}/stations/manage/new/")

    stage = page.get_by_label("Stage")
    page.get_by_label("Name").fill("SMD-9")
    page.get_by_label("Line").fill("Line B")
    page.get_by_label("Parts").select_option(label="EICS200_Board")

    expect(stage.locator("option:not([hidden])")).to_have_text(
        ["Choose the stage", "SMD / Solder (smd) · EICS112_Part, EICS200_Board"]
    )
    stage.select_option("smd")
    page.get_by_role("button", name="Save station").click()

    expect(page.get_by_text("Station SMD-9 saved.")).to_be_visible()
    station = Station.objects.get(name="SMD-9")
    assert station.stage == "smd"
    assert list(station.parts.values_list("part_no", flat=True)) == ["EICS200_Board"]
