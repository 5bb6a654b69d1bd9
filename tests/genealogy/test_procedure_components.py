"""Components in the procedure's editor, preview, history and import/export."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from parts.models import ModelPart
from procedures.models import PartProcedureDetail
from procedures.services import procedure_apply
from tests.genealogy.genealogy_support import CONTROLLER_PROCEDURE, PSU_PROCEDURE
from tests.procedures.editor_posts import editor_post, shown_rows, stage, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def parts(engineer):
    psu = ModelPart.objects.create(model_no="PSU", part_no="PSU_Part")
    procedure_apply(part=psu, config=PSU_PROCEDURE, user=engineer)
    controller = ModelPart.objects.create(model_no="CTRL", part_no="CTRL_Part")
    return psu, controller


def component_inputs(rows):
    data = {"components-TOTAL_FORMS": str(len(rows)), "components-INITIAL_FORMS": "0"}
    for index, row in enumerate(rows):
        prefix = f"components-{index}-"
        data |= {prefix + name: value for name, value in row.items() if name != "required"}
        if row.get("required"):
            data[prefix + "required"] = "on"
    return data


def test_an_engineer_adds_a_component_choosing_the_part_from_the_list_and_saves(
    client_for, engineer, parts
):
    _psu, controller = parts
    client = client_for(engineer)
    url = reverse("procedures:edit", args=[controller.pk])
    stages = [stage("smd"), stage("assembly", result="pass_fail")]
    added = client.post(
        url,
        editor_post(stages, **component_inputs([]), action="add_component"),
        headers={"HX-Request": "true"},
    ).content.decode()
    assert 'data-testid="component-0"' in added
    assert '<option value="PSU_Part">A unit of PSU_Part</option>' in added
    assert 'value="lot"' in added

    rows = [
        {
            "key": "psu",
            "label": "PSU board",
            "stage": "assembly",
            "source": "PSU_Part",
            "required": True,
        },
        {"key": "paste", "label": "Paste", "stage": "assembly", "source": "lot", "required": False},
    ]
    response = client.post(url, editor_post(stages, **component_inputs(rows), action="save"))
    assert response.status_code in (200, 302), text_of(response.content.decode())[:500]
    saved = PartProcedureDetail.objects.get(model_part=controller).procedure_config
    assert saved["stages"][1]["components"] == [
        {
            "key": "psu",
            "label": "PSU board",
            "kind": "unit",
            "part_no": "PSU_Part",
            "required": True,
        },
        {"key": "paste", "label": "Paste", "kind": "lot", "required": False},
    ]
    # Opened again, the editor shows the rows it saved.
    page = client.get(url).content.decode()
    shown = shown_rows(page, "components")
    assert [(row["key"], row["stage"], row["source"]) for row in shown] == [
        ("psu", "assembly", "PSU_Part"),
        ("paste", "assembly", "lot"),
    ]
    detail = text_of(
        client.get(reverse("procedures:detail", args=[controller.pk])).content.decode()
    )
    assert "Components" in detail and "unit of PSU_Part" in detail and "material lot" in detail


def test_a_bad_component_row_is_named_on_its_stage_and_nothing_is_saved(
    client_for, engineer, parts
):
    _psu, controller = parts
    client = client_for(engineer)
    url = reverse("procedures:edit", args=[controller.pk])
    rows = [{"key": "PSU!", "label": "", "stage": "smd", "source": "PSU_Part", "required": True}]
    page = client.post(url, editor_post([stage("smd")], **component_inputs(rows), action="save"))
    text = text_of(page.content.decode())
    assert "components, line 1" in text
    assert not PartProcedureDetail.objects.filter(model_part=controller).exists()


def test_a_component_row_without_its_stage_is_shown_wrong_not_dropped(client_for, engineer, parts):
    _psu, controller = parts
    client = client_for(engineer)
    url = reverse("procedures:edit", args=[controller.pk])
    rows = [
        {"key": "psu", "label": "PSU", "stage": "", "source": "PSU_Part", "required": True},
        {"key": "paste", "label": "Paste", "stage": "gone", "source": "lot", "required": True},
    ]
    page = client.post(url, editor_post([stage("smd")], **component_inputs(rows), action="save"))
    assert page.status_code == 200
    html = page.content.decode()
    first, second = html.split('data-testid="component-1"')
    assert "choose the stage that installs it" in text_of(
        first.split('data-testid="component-0"')[1]
    )
    assert "gone is no longer in the procedure" in text_of(second)
    assert not PartProcedureDetail.objects.filter(model_part=controller).exists()


def test_a_component_of_a_part_that_does_not_exist_is_refused_naming_it(
    client_for, engineer, parts
):
    _psu, controller = parts
    client = client_for(engineer)
    url = reverse("procedures:edit", args=[controller.pk])
    rows = [{"key": "fan", "label": "Fan", "stage": "smd", "source": "FAN_404", "required": True}]
    page = client.post(url, editor_post([stage("smd")], **component_inputs(rows), action="save"))
    assert "there is no part FAN_404" in text_of(page.content.decode())
    assert not PartProcedureDetail.objects.filter(model_part=controller).exists()
    # Every way of saving refuses it: the service (API, import) too.
    config = {
        "version": 1,
        "stages": [
            {
                "key": "smd",
                "label": "SMD",
                "components": [{"key": "fan", "label": "Fan", "part_no": "FAN_404"}],
            }
        ],
        "fields": [],
    }
    with pytest.raises(ValidationError) as refused:
        procedure_apply(part=controller, config=config, user=engineer)
    assert "stages[0].components[0].part_no: there is no part FAN_404" in " ".join(
        refused.value.messages
    )
    assert not PartProcedureDetail.objects.filter(model_part=controller).exists()


def test_history_names_a_component_change_and_export_import_carries_components(
    client_for, engineer, parts
):
    _psu, controller = parts
    procedure_apply(part=controller, config=CONTROLLER_PROCEDURE, user=engineer)
    changed = json.loads(json.dumps(CONTROLLER_PROCEDURE))
    changed["stages"][1]["components"][2]["required"] = True
    procedure_apply(part=controller, config=changed, user=engineer, expected_version=1)
    client = client_for(engineer)
    history = text_of(
        client.get(reverse("procedures:history", args=[controller.pk])).content.decode()
    )
    assert "components:" in history and "fan (lot, optional)" in history

    exported = client.get(reverse("procedures:export", args=[controller.pk]))
    document = json.loads(
        b"".join(exported.streaming_content) if exported.streaming else exported.content
    )
    assert document["stages"][1]["components"][0]["part_no"] == "PSU_Part"
    other = ModelPart.objects.create(model_no="CTRL2", part_no="CTRL2_Part")
    imported = client.post(
        reverse("procedures:import", args=[other.pk]), {"text": json.dumps(document)}
    )
    shown = shown_rows(imported.content.decode(), "components")
    assert [row["key"] for row in shown] == ["psu", "paste", "fan"]
