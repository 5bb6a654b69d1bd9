"""The procedure editor as a keyboard user and a hurried engineer meet it, in Chromium: focus
stays on the row an action touched, an empty editor guides instead of scolding, and leaving
an unsaved draft asks first."""

import pytest
from playwright.sync_api import expect

from parts.models import ModelPart
from procedures.services import procedure_apply
from tests.conftest import PASSWORD
from tests.stations.scan_support import PROCEDURE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def label_of(page, row):
    return page.get_by_test_id(row).locator("input[name$='-label']")


def test_focus_lands_on_the_row_each_add_move_and_remove_left(sign_in_as, engineer, live_server):
    part = ModelPart.objects.create(model_no="EICS112", part_no="EICS112_Part")
    page = sign_in_as(engineer, PASSWORD)
    page.goto(f"{live_server.url}/procedures/{part.pk}/edit/")

    # Empty: a guide, not a red box.
    expect(page.get_by_test_id("editor-guide")).to_be_visible()
    expect(page.get_by_test_id("problems")).to_have_count(0)
    expect(page.locator(".alert-danger")).to_have_count(0)

    page.get_by_label("Catalogue stage").select_option("smd")
    page.get_by_role("button", name="Add stage").click()
    expect(page.get_by_test_id("stage-0")).to_contain_text("SMD")
    expect(label_of(page, "stage-0")).to_be_focused()
    expect(page.get_by_test_id("editor-guide")).to_have_count(0)

    page.get_by_role("button", name="Add custom stage").click()
    expect(label_of(page, "stage-1")).to_be_focused()
    page.keyboard.type("Burn-in")  # typed where the focus is: the new row's label
    page.get_by_role("button", name="Add custom stage").click()
    expect(label_of(page, "stage-2")).to_be_focused()
    page.keyboard.type("Soak")

    # Move the last stage up: focus stays on its "Move up" button, in its new row.
    page.get_by_test_id("stage-2").get_by_role("button", name="Move up").click()
    expect(label_of(page, "stage-1")).to_have_value("Soak")
    expect(page.get_by_test_id("stage-1").get_by_role("button", name="Move up")).to_be_focused()
    # Pressing it again (the keyboard stays put) moves it to the top; there the button is off
    # and the row itself holds the focus.
    page.keyboard.press("Enter")
    expect(label_of(page, "stage-0")).to_have_value("Soak")
    expect(page.get_by_test_id("stage-0")).to_be_focused()

    # Remove the first: the focus goes to the row that took its place.
    page.get_by_test_id("stage-0").get_by_role("button", name="Remove").click()
    expect(page.get_by_test_id("stage-0")).to_contain_text("SMD")
    expect(page.get_by_test_id("stage-0")).to_be_focused()

    page.get_by_role("button", name="Add field").click()
    expect(label_of(page, "field-0")).to_be_focused()
    page.get_by_test_id("field-0").get_by_role("button", name="Remove").click()
    expect(page.get_by_test_id("field-0")).to_have_count(0)
    expect(page.get_by_role("button", name="Add field")).to_be_focused()


def test_leaving_an_unsaved_draft_asks_first_and_a_saved_one_does_not(
    sign_in_as, engineer, live_server
):
    part = ModelPart.objects.create(model_no="EICS112", part_no="EICS112_Part")
    procedure_apply(part=part, config=PROCEDURE, user=engineer)
    page = sign_in_as(engineer, PASSWORD)
    edit_url = f"{live_server.url}/procedures/{part.pk}/edit/"
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # "stay on the page"

    page.on("dialog", answer)

    # Nothing changed: leaving does not ask.
    page.goto(edit_url)
    page.get_by_role("link", name="Saved procedure").click()
    page.wait_for_url(f"{live_server.url}/procedures/{part.pk}/")
    assert asked == []

    # A label typed in: leaving asks, and staying keeps the draft.
    page.goto(edit_url)
    label = page.get_by_test_id("stage-0").locator("input[name$='-label']")
    label.fill("Solder paste and placement")
    page.get_by_role("link", name="Saved procedure").click()
    expect(label).to_have_value("Solder paste and placement")
    assert asked == ["beforeunload"]
    assert page.url == edit_url

    # Saved: leaving no longer asks.
    page.get_by_role("button", name="Save procedure").click()
    expect(page.get_by_test_id("notice")).to_have_text("Saved version 2 of the procedure.")
    page.get_by_role("link", name="Saved procedure").click()
    page.wait_for_url(f"{live_server.url}/procedures/{part.pk}/")
    assert asked == ["beforeunload"]


def test_a_stage_added_but_not_saved_asks_before_leaving(sign_in_as, engineer, live_server):
    part = ModelPart.objects.create(model_no="EICS112", part_no="EICS112_Part")
    page = sign_in_as(engineer, PASSWORD)
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.goto(f"{live_server.url}/procedures/{part.pk}/edit/")

    page.get_by_role("button", name="Add custom stage").click()
    expect(page.get_by_test_id("stage-0")).to_be_visible()
    page.get_by_role("link", name="Import JSON").click()

    expect(page.get_by_test_id("stage-0")).to_be_visible()
    assert asked == ["beforeunload"]
