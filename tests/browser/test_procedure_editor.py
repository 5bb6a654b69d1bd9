"""An engineer builds a part's procedure in the real editor, in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from parts.models import ModelPart
from procedures.models import PartProcedureDetail
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def stage_keys(page):
    return page.locator("[data-stage-index] input[name$='-key']").evaluate_all(
        "inputs => inputs.map(input => input.value)"
    )


def unit_columns(part):
    return [field.column for field in part.unit_model()._meta.concrete_fields]


def test_engineer_builds_reorders_saves_and_changes_a_procedure(sign_in_as, engineer, live_server):
    part = ModelPart.objects.create(model_no="EICS112", part_no="EICS112_Part")
    page = sign_in_as(engineer, PASSWORD)
    page.goto(f"{live_server.url}{part.get_absolute_url()}")
    page.get_by_role("link", name="Procedure", exact=True).click()
    page.get_by_role("link", name="Edit procedure").click()
    expect(page.get_by_test_id("no-stages")).to_be_visible()

    # From nothing: two catalogue stages and a custom one.
    page.get_by_label("Catalogue stage").select_option("smd")
    page.get_by_role("button", name="Add stage").click()
    expect(page.get_by_test_id("stage-0")).to_contain_text("SMD")
    page.get_by_label("Catalogue stage").select_option("qc")
    page.get_by_role("button", name="Add stage").click()
    expect(page.get_by_test_id("stage-1")).to_contain_text("QC")
    page.get_by_role("button", name="Add custom stage").click()
    custom = page.get_by_test_id("stage-2")
    custom.get_by_label("Label", exact=True).fill("Burn-in")

    # Inline validation as the engineer types, next to the row.
    custom.get_by_label("Key").fill("Burn In")
    expect(custom.get_by_test_id("row-errors")).to_contain_text('Key: "Burn In" cannot be a key')
    expect(page.get_by_role("button", name="Save procedure")).to_be_disabled()
    custom.get_by_label("Key").fill("burn_in")
    expect(custom.get_by_test_id("row-errors")).to_be_empty()
    expect(page.get_by_test_id("table-changes")).to_contain_text("is_burn_in")

    # Reorder: burn-in before QC with the buttons, then QC to the top by dragging (with
    # every stage in view: a drag that has to scroll the page is not what is tested here).
    page.set_viewport_size({"width": 1280, "height": 1400})
    custom.get_by_role("button", name="Move up").click()
    expect(page.get_by_test_id("stage-1").get_by_label("Key")).to_have_value("burn_in")
    assert stage_keys(page) == ["smd", "burn_in", "qc"]
    page.get_by_test_id("stage-2").locator("[data-drag-handle]").drag_to(
        page.get_by_test_id("stage-0")
    )
    expect(page.get_by_test_id("stage-0").get_by_label("Key")).to_have_value("qc")
    assert stage_keys(page) == ["qc", "smd", "burn_in"]

    page.get_by_role("button", name="Save procedure").click()
    expect(page.get_by_test_id("notice")).to_have_text("Saved version 1 of the procedure.")
    columns = unit_columns(part)
    assert [c for c in columns if c.startswith("is_")] == ["is_qc", "is_smd", "is_burn_in"]
    expect(page.get_by_test_id("columns")).to_have_text(", ".join(columns))
    expect(page.get_by_test_id("stage-0").get_by_label("Key")).to_have_attribute("readonly", "")

    # A unit passes QC; then Dispatch is added and QC removed.
    part.unit_model().objects.create(usid="U000123", is_qc=True)
    page.get_by_label("Catalogue stage").select_option("dispatch")
    page.get_by_role("button", name="Add stage").click()
    expect(page.get_by_test_id("stage-3")).to_contain_text("Dispatch")
    page.get_by_test_id("stage-0").get_by_role("button", name="Remove").click()
    expect(page.get_by_test_id("stage-0").get_by_label("Key")).to_have_value("smd")
    changes = page.get_by_test_id("table-changes")
    expect(changes).to_contain_text("added is_dispatch")
    expect(changes).to_contain_text("retired is_qc hidden and kept; 1 unit holds data in it")

    page.get_by_role("button", name="Save procedure").click()
    expect(page.get_by_test_id("confirm-retire")).to_contain_text("is_qc: 1 unit")
    assert PartProcedureDetail.objects.get(model_part=part).version == 1
    page.get_by_role("button", name="Retire these columns and save").click()
    expect(page.get_by_test_id("notice")).to_have_text("Saved version 2 of the procedure.")

    columns = unit_columns(part)
    assert [c for c in columns if c.startswith("is_")] == ["is_smd", "is_burn_in", "is_dispatch"]
    assert "qc_at" not in columns
    expect(page.get_by_test_id("columns")).to_have_text(", ".join(columns))
    expect(page.get_by_test_id("retired-columns")).to_contain_text(re.compile(r"is_qc"))
