"""Inline validation, the unit-table preview, saving, retire confirmation and conflicts."""

import re

import pytest
from django.urls import reverse

from procedures.models import PartProcedureDetail
from procedures.services import procedure_apply
from tests.procedures.editor_posts import (
    editor_post,
    field,
    shown_keys,
    shown_rows,
    stage,
    text_of,
)

pytestmark = pytest.mark.django_db


def edit_url(part):
    return reverse("procedures:edit", args=[part.pk])


def saved(key, label=None, **attributes):
    """A stage row as the editor shows a saved stage: its key is its origin."""
    return stage(key, label, origin=key, **attributes)


def errors_text(html, kind, index):
    """The text of the error area beside row ``index`` of ``kind`` ("stages" or "fields")."""
    match = re.search(
        rf'<div id="{kind}-errors-{index}"[^>]*>(.*?)</div>(?=\s*<div id=|\s*</)', html, re.S
    )
    assert match, f"no error area for {kind}[{index}]"
    return text_of(match.group(1))


def test_typing_gets_each_problem_next_to_its_row_without_touching_the_inputs(htmx_post, part):
    data = editor_post(
        [stage("smd", "SMD"), stage("SMD!", "Bad key"), stage("smd", ""), stage("qc", "QC")],
        [field("grade", type="choice", choices=[]), field("qc", "Clash")],
        action="validate",
    )

    html = htmx_post(edit_url(part), data).content.decode()

    assert 'name="stages-0-key"' not in html, "validation answers never replace the inputs"
    assert errors_text(html, "stages", 0) == ""
    assert 'Key: "SMD!" cannot be a key: use lowercase letters' in errors_text(html, "stages", 1)
    assert '"smd" is already the key of stage 1;' in errors_text(html, "stages", 2)
    assert "Label: A label is needed" in errors_text(html, "stages", 2)
    assert errors_text(html, "stages", 3) == ""
    assert 'Choices: A field of type "choice" needs its choices' in errors_text(html, "fields", 0)
    assert '"qc" is already the key of stage 4;' in errors_text(html, "fields", 1)
    assert 'hx-swap-oob="true"' in html
    assert re.search(r'name="action" value="save"\s+disabled', html)


def test_a_valid_draft_of_a_new_part_previews_the_table_it_creates(htmx_post, part):
    data = editor_post([stage("smd", result="pass_fail"), stage("qc")], action="validate")

    html = htmx_post(edit_url(part), data).content.decode()

    assert "Saving creates the unit table" in html
    for column in ("usid", "is_smd", "smd_result", "is_qc", "qc_by_id"):
        assert column in html
    assert "qc_result" not in html


def test_saving_creates_the_unit_table_and_shows_its_columns(htmx_post, part, engineer):
    data = editor_post([stage("smd", result="pass_fail"), stage("qc")], action="save")

    html = htmx_post(edit_url(part), data).content.decode()

    procedure = PartProcedureDetail.objects.get(model_part=part)
    assert (procedure.version, procedure.updated_by) == (1, engineer)
    assert "Saved version 1 of the procedure." in html
    columns = [f.column for f in part.unit_model()._meta.concrete_fields]
    assert {"is_smd", "smd_result", "is_qc", "qc_at"} <= set(columns)
    assert ", ".join(columns) in html
    assert [(row["key"], row["key_readonly"]) for row in shown_rows(html)] == [
        ("smd", True),
        ("qc", True),
    ], "the editor now shows the saved procedure, whose keys are fixed"


def test_saving_without_htmx_redirects_back_to_the_editor(client_for, engineer, part):
    response = client_for(engineer).post(edit_url(part), editor_post([stage("smd")], action="save"))

    assert response.status_code == 302
    assert response["Location"] == edit_url(part)
    assert PartProcedureDetail.objects.get(model_part=part).version == 1


def test_an_invalid_draft_is_not_saved(htmx_post, part):
    data = editor_post([stage("smd"), stage("smd")], action="save")

    html = htmx_post(edit_url(part), data).content.decode()

    assert not PartProcedureDetail.objects.filter(model_part=part).exists()
    assert "is already the key of stage 1" in html


@pytest.fixture
def part_with_units(part, engineer):
    """A part with SMD, QC (pass/fail) and a firmware field; two units passed QC."""
    config = {
        "version": 1,
        "stages": [
            {"key": "smd", "label": "SMD"},
            {"key": "qc", "label": "QC", "result": "pass_fail"},
        ],
        "fields": [{"key": "firmware", "label": "Firmware", "type": "text"}],
    }
    procedure_apply(part=part, config=config, user=engineer)
    units = part.unit_model().objects
    units.create(usid="U1", is_smd=True, is_qc=True, qc_result="pass", f_firmware="1.0")
    units.create(usid="U2", is_smd=True, is_qc=True, qc_result="pass")
    units.create(usid="U3", is_smd=True)
    return part


def test_the_preview_names_added_retired_restored_and_converted_columns(
    htmx_post, part_with_units, engineer
):
    part = part_with_units
    without_qc = [saved("smd"), stage("testing", result="pass_fail")]
    html = htmx_post(
        edit_url(part),
        editor_post(
            without_qc,
            [field("firmware", origin="firmware", type="integer")],
            base_version=1,
            action="validate",
        ),
    ).content.decode()

    text = text_of(html)
    assert "added is_testing" in text
    assert "retired is_qc hidden and kept; 2 units hold data in it" in text
    assert "retired qc_result hidden and kept; 2 units hold data in it" in text
    assert "converted f_firmware text → integer" in text

    procedure_apply(
        part=part,
        config={"version": 1, "stages": [{"key": "smd", "label": "SMD"}], "fields": []},
        user=engineer,
        expected_version=1,
    )
    restoring = htmx_post(
        edit_url(part),
        editor_post(
            [saved("smd"), stage("qc", result="pass_fail")], base_version=2, action="validate"
        ),
    ).content.decode()
    assert re.search(r"restored</span> <code>is_qc</code> comes back with its data", restoring)


def test_saving_a_change_that_retires_data_asks_first_and_keeps_the_data(
    htmx_post, part_with_units
):
    part = part_with_units
    data = editor_post(
        [saved("smd")], [field("firmware", origin="firmware")], base_version=1, action="save"
    )

    asked = htmx_post(edit_url(part), data).content.decode()

    assert PartProcedureDetail.objects.get(model_part=part).version == 1, "nothing saved yet"
    assert "This change retires columns that hold data" in asked
    assert re.search(r"<code>is_qc</code>: 2 units", asked)
    confirmed_columns = re.search(r'name="confirm_retire" value="([^"]+)"', asked).group(1)

    done = htmx_post(edit_url(part), data | {"confirm_retire": confirmed_columns})

    assert "Saved version 2" in done.content.decode()
    columns = {f.column for f in part.unit_model()._meta.concrete_fields}
    assert "is_qc" not in columns and "is_smd" in columns
    assert "is_qc" in done.content.decode().split('data-testid="retired-columns"')[1]


def test_retiring_columns_without_data_needs_no_confirmation(htmx_post, part_with_units):
    part_with_units.unit_model().objects.update(f_firmware=None)
    data = editor_post(
        [saved("smd"), saved("qc", result="pass_fail")], base_version=1, action="save"
    )

    html = htmx_post(edit_url(part_with_units), data).content.decode()

    assert "Saved version 2" in html
    assert "f_firmware" in html.split('data-testid="retired-columns"')[1]


def test_a_save_over_someone_elses_newer_version_shows_who_and_keeps_both(
    htmx_post, part_with_units, make_user
):
    part = part_with_units
    other = make_user("Engineer", full_name="Ada Lovelace")
    theirs = {
        "version": 1,
        "stages": [
            {"key": "smd", "label": "SMD"},
            {"key": "qc", "label": "QC", "result": "pass_fail"},
            {"key": "dispatch", "label": "Dispatch"},
        ],
        "fields": [{"key": "firmware", "label": "Firmware", "type": "text"}],
    }
    procedure_apply(part=part, config=theirs, user=other, expected_version=1)
    mine = editor_post(
        [saved("smd", "SMD line"), saved("qc", result="pass_fail")],
        [field("firmware", origin="firmware")],
        base_version=1,
        action="save",
    )

    html = htmx_post(edit_url(part), mine).content.decode()

    procedure = PartProcedureDetail.objects.get(model_part=part)
    assert procedure.version == 2 and procedure.updated_by == other
    text = text_of(html)
    assert "Ada Lovelace saved version 2 of this procedure at" in text
    assert "Dispatch dispatch" in text, "their version is shown"
    assert shown_keys(html) == ["smd", "qc"]
    assert 'value="SMD line"' in html, "my draft is kept as I left it"
    assert 'name="base_version" value="1"' in html

    over = htmx_post(edit_url(part), mine | {"action": "save_over:2"}).content.decode()

    assert "Saved version 3" in over
    procedure.refresh_from_db()
    assert [s["label"] for s in procedure.procedure_config["stages"]] == ["SMD line", "QC"]


def test_the_usid_pattern_is_saved_shown_again_and_a_bad_one_is_named(htmx_post, part):
    rule = {"usid_pattern": "^PWR-[0-9]{4}$", "usid_example": "PWR-0001"}

    html = htmx_post(edit_url(part), editor_post([stage("smd")], action="save", **rule))
    bad = htmx_post(edit_url(part), editor_post([stage("smd")], action="save", usid_pattern="(["))

    config = PartProcedureDetail.objects.get(model_part=part).procedure_config
    assert (config["usid_pattern"], config["usid_example"]) == ("^PWR-[0-9]{4}$", "PWR-0001")
    assert 'value="^PWR-[0-9]{4}$"' in html.content.decode()
    assert "The USID pattern is not a valid regular expression" in bad.content.decode()
    assert PartProcedureDetail.objects.get(model_part=part).version == 1
