"""Copy a procedure from another part, export it as JSON and import one, validated against v1."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from parts.models import ModelPart
from procedures.models import PartProcedureDetail
from procedures.services import procedure_apply
from tests.procedures.editor_posts import editor_post, shown_keys, shown_rows, stage, text_of

pytestmark = pytest.mark.django_db

CONFIG = {
    "version": 1,
    "stages": [
        {
            "key": "smd",
            "label": "SMD",
            "result": "pass_fail",
            "media": ["part_image"],
            "instructions": "Check joints",
        },
        {"key": "testing", "label": "Testing", "result": "pass_fail"},
    ],
    "fields": [
        {
            "key": "firmware",
            "label": "Firmware",
            "type": "choice",
            "required": True,
            "stage": "testing",
            "choices": ["1.0", "1.1"],
        },
    ],
}


@pytest.fixture
def other_part(engineer):
    other = ModelPart.objects.create(model_no="EICS200", part_no="EICS200_Board")
    procedure_apply(part=other, config=CONFIG, user=engineer)
    return other


def test_export_downloads_the_saved_procedure_as_v1_json(client_for, operator, other_part):
    response = client_for(operator).get(reverse("procedures:export", args=[other_part.pk]))

    assert response["Content-Disposition"] == (
        'attachment; filename="eics200_board-procedure-v1.json"'
    )
    exported = json.loads(response.content)
    assert exported["version"] == 1
    assert [entry["key"] for entry in exported["stages"]] == ["smd", "testing"]
    assert exported["fields"][0]["choices"] == ["1.0", "1.1"]


def test_copying_from_another_part_fills_the_draft_and_saves_nothing(htmx_post, part, other_part):
    data = editor_post([stage("qc")], action="copy", copy_from=str(other_part.pk))

    html = htmx_post(reverse("procedures:edit", args=[part.pk]), data).content.decode()

    rows = shown_rows(html)
    assert [(row["key"], row.get("media", []), row["key_readonly"]) for row in rows] == [
        ("smd", ["part_image"], False),
        ("testing", [], False),
    ]
    assert shown_rows(html, "fields")[0]["choices"].split() == ["1.0", "1.1"]
    assert not PartProcedureDetail.objects.filter(model_part=part).exists()


def test_an_exported_procedure_imports_into_another_part_for_review(
    client_for, engineer, part, other_part
):
    client = client_for(engineer)
    exported = client.get(reverse("procedures:export", args=[other_part.pk])).content

    response = client.post(
        reverse("procedures:import", args=[part.pk]),
        {"file": SimpleUploadedFile("p.json", exported, content_type="application/json")},
    )

    html = response.content.decode()
    assert "Imported. Nothing is saved yet" in html
    assert shown_keys(html) == ["smd", "testing"]
    assert "Saving creates the unit table" in html
    assert not PartProcedureDetail.objects.filter(model_part=part).exists()


def test_pasted_json_imports_too(client_for, engineer, part):
    response = client_for(engineer).post(
        reverse("procedures:import", args=[part.pk]), {"text": json.dumps(CONFIG)}
    )

    assert shown_keys(response.content.decode()) == ["smd", "testing"]


def test_an_invalid_import_lists_every_problem_by_entry_and_saves_nothing(
    client_for, engineer, part
):
    bad = {
        "version": 1,
        "colour": "red",
        "stages": [
            {"key": "SMD", "label": "SMD"},
            {"key": "qc", "label": "", "result": "maybe"},
        ],
        "fields": [{"key": "grade", "label": "Grade", "type": "choice", "colour": "mm"}],
    }

    response = client_for(engineer).post(
        reverse("procedures:import", args=[part.pk]), {"text": json.dumps(bad)}
    )

    text = text_of(response.content.decode())
    assert 'procedure: "colour" is not something a procedure can have' in text
    assert 'stages[0].key: "SMD" cannot be a key' in text
    assert "stages[1].label: A label is needed" in text
    assert 'stages[1].result: "maybe" is not a kind of result; choose done or pass_fail.' in text
    assert 'fields[0]: "colour" is not something a field can have' in text
    assert 'fields[0].choices: A field of type "choice" needs its choices' in text
    assert not PartProcedureDetail.objects.filter(model_part=part).exists()


def test_an_import_that_is_not_json_says_where_it_breaks(client_for, engineer, part):
    response = client_for(engineer).post(
        reverse("procedures:import", args=[part.pk]), {"text": '{"version": 1,\n "stages": [}'}
    )

    assert "Not valid JSON: Expecting value (line 2, column 13)." in text_of(
        response.content.decode()
    )


def test_an_import_needs_a_file_or_pasted_json(client_for, engineer, part):
    response = client_for(engineer).post(reverse("procedures:import", args=[part.pk]), {})

    assert "Upload a JSON file or paste the JSON." in response.content.decode()


def test_operators_cannot_import(client_for, operator, part):
    response = client_for(operator).post(
        reverse("procedures:import", args=[part.pk]), {"text": json.dumps(CONFIG)}
    )

    assert response.status_code == 403


def test_an_oversized_upload_is_refused_with_its_size(client_for, engineer, part):
    huge = b'{"version": 1, "stages": [' + b" " * 1_000_001 + b"]}"

    response = client_for(engineer).post(
        reverse("procedures:import", args=[part.pk]),
        {"file": SimpleUploadedFile("big.json", huge, content_type="application/json")},
    )

    assert "a procedure is at most 1000000" in response.content.decode()
    assert not PartProcedureDetail.objects.filter(model_part=part).exists()


def test_the_usid_pattern_travels_through_export_and_import(client_for, engineer, part):
    config = {**CONFIG, "usid_pattern": "^PWR-[0-9]{4}$", "usid_example": "PWR-0001"}
    source = ModelPart.objects.create(model_no="EICS300", part_no="EICS300_Board")
    procedure_apply(part=source, config=config, user=engineer)
    client = client_for(engineer)

    exported = client.get(reverse("procedures:export", args=[source.pk])).content
    response = client.post(
        reverse("procedures:import", args=[part.pk]),
        {"file": SimpleUploadedFile("p.json", exported, content_type="application/json")},
    )

    assert json.loads(exported)["usid_pattern"] == "^PWR-[0-9]{4}$"
    html = response.content.decode()
    assert 'value="^PWR-[0-9]{4}$"' in html and 'value="PWR-0001"' in html
