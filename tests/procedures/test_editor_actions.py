"""The editor's draft actions: each htmx post returns the editor with the draft changed."""

import pytest
from django.urls import reverse

from procedures.catalogue import STAGE_CATALOGUE
from tests.procedures.editor_posts import editor_post, field, shown_keys, shown_rows, stage

pytestmark = pytest.mark.django_db


def edit_url(part):
    return reverse("procedures:edit", args=[part.pk])


def test_editor_of_a_part_without_procedure_starts_empty_with_the_whole_catalogue(
    client_for, engineer, part
):
    response = client_for(engineer).get(edit_url(part))

    html = response.content.decode()
    assert response.status_code == 200
    assert shown_keys(html) == []
    assert "No stages yet" in html
    for entry in STAGE_CATALOGUE.values():
        assert f">{entry['label']}</option>" in html


def test_adding_a_catalogue_stage_returns_only_the_editor_with_the_stage_filled_in(htmx_post, part):
    response = htmx_post(edit_url(part), editor_post(action="add_stage", catalogue_key="qc"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    [qc] = shown_rows(html)
    assert (qc["key"], qc["label"], qc["result"], qc["media"]) == (
        "qc",
        "QC",
        "pass_fail",
        ["qc_video"],
    )
    assert ">QC</option>" not in html, "a stage already in the draft is not offered again"


def test_adding_a_custom_stage_appends_an_empty_editable_row(htmx_post, part):
    data = editor_post([stage("smd")], action="add_custom_stage")

    rows = shown_rows(htmx_post(edit_url(part), data).content.decode())

    assert [row["key"] for row in rows] == ["smd", ""]
    assert rows[1]["label"] == ""
    assert not rows[1]["key_readonly"]


def test_moving_a_stage_up_and_down_reorders_the_draft(htmx_post, part):
    three = [stage("smd"), stage("qc"), stage("dispatch")]

    moved_up = htmx_post(edit_url(part), editor_post(three, action="stage_up:2"))
    moved_down = htmx_post(edit_url(part), editor_post(three, action="stage_down:0"))

    assert shown_keys(moved_up.content.decode()) == ["smd", "dispatch", "qc"]
    assert shown_keys(moved_down.content.decode()) == ["qc", "smd", "dispatch"]


def test_dragging_a_stage_moves_it_to_the_drop_position(htmx_post, part):
    three = [stage("smd"), stage("qc"), stage("dispatch")]

    response = htmx_post(edit_url(part), editor_post(three, action="stage_move:2-0"))

    assert shown_keys(response.content.decode()) == ["dispatch", "smd", "qc"]


def test_moving_the_first_stage_up_changes_nothing(htmx_post, part):
    two = [stage("smd"), stage("qc")]

    response = htmx_post(edit_url(part), editor_post(two, action="stage_up:0"))

    assert shown_keys(response.content.decode()) == ["smd", "qc"]


def test_removing_a_stage_keeps_what_was_typed_in_the_others(htmx_post, part):
    rows = [
        stage("smd", "SMD line 2", instructions="Scope at 10x", media=["part_image"]),
        stage("qc"),
    ]

    response = htmx_post(edit_url(part), editor_post(rows, action="remove_stage:1"))

    [smd] = shown_rows(response.content.decode())
    assert (smd["key"], smd["label"], smd["instructions"].strip(), smd["media"]) == (
        "smd",
        "SMD line 2",
        "Scope at 10x",
        ["part_image"],
    )


def test_adding_editing_and_removing_unit_fields(htmx_post, part):
    stages = [stage("testing")]
    added = htmx_post(edit_url(part), editor_post(stages, action="add_field"))
    assert shown_keys(added.content.decode(), "fields") == [""]

    fields = [
        field("firmware", type="text", stage="testing", required=True),
        field("grade", type="choice", choices=["A", "B"]),
    ]
    kept = htmx_post(edit_url(part), editor_post(stages, fields, action="add_field"))
    shown = shown_rows(kept.content.decode(), "fields")
    assert [(row["key"], row["type"], row["stage"]) for row in shown] == [
        ("firmware", "text", "testing"),
        ("grade", "choice", ""),
        ("", "text", ""),
    ]
    assert shown[0]["required"] == ["on"]
    assert shown[1]["choices"].strip().splitlines() == ["A", "B"]

    removed = htmx_post(edit_url(part), editor_post(stages, fields, action="remove_field:0"))
    assert shown_keys(removed.content.decode(), "fields") == ["grade"]


def test_a_field_keeps_its_stage_selected_after_that_stage_is_removed(htmx_post, part):
    data = editor_post(
        [stage("smd"), stage("testing")],
        [field("firmware", stage="testing")],
        action="remove_stage:1",
    )

    html = htmx_post(edit_url(part), data).content.decode()

    [firmware] = shown_rows(html, "fields")
    assert firmware["stage"] == "testing"
    assert "testing (not in this procedure)" in html


def test_a_tampered_editor_post_is_refused(htmx_post, part):
    data = editor_post([stage("smd")], action="add_field")
    del data["stages-TOTAL_FORMS"]

    response = htmx_post(edit_url(part), data)

    assert response.status_code == 400


def test_without_htmx_an_action_returns_the_whole_page(client_for, engineer, part):
    response = client_for(engineer).post(
        edit_url(part), editor_post([stage("smd")], action="add_stage", catalogue_key="qc")
    )

    html = response.content.decode()
    assert "<html" in html
    assert shown_keys(html) == ["smd", "qc"]
