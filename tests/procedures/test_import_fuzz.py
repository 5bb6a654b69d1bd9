"""Fuzzing procedure_config import and apply: whatever document an engineer imports or a client
applies, the answer is a page or JSON naming what is wrong (never a 500); an import saves
nothing, and an apply saves exactly what it validated or nothing at all."""

import json
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parts.models import ModelPart
from procedures.models import PartProcedureDetail
from procedures.services import procedure_apply
from tests.support.hostile import json_values, nasty_names

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "50")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
BASE = {
    "version": 1,
    "stages": [{"key": "smd", "label": "SMD", "result": "pass_fail"}],
    "fields": [],
}

nasty = nasty_names
keys = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True) | st.sampled_from(
    ["smd", "qc", "id", "usid", "on_hold", "a__b", "x_", "SMD", "select", "is_smd"]
)
stage_entries = st.fixed_dictionaries(
    {"key": keys | json_values},
    optional={
        "label": st.text(min_size=1, max_size=20) | nasty | json_values,
        "optional": st.booleans() | json_values,
        "result": st.sampled_from(["done", "pass_fail", "maybe"]) | json_values,
        "instructions": st.text(max_size=30) | nasty | json_values,
        "media": st.lists(st.sampled_from(["part_image", "qc_video", "selfie"]), max_size=3)
        | json_values,
        "colour": json_values,
    },
)
field_entries = st.fixed_dictionaries(
    {"key": keys | json_values},
    optional={
        "label": st.text(min_size=1, max_size=20) | nasty | json_values,
        "type": st.sampled_from(["text", "integer", "decimal", "boolean", "date", "choice", "blob"])
        | json_values,
        "required": st.booleans() | json_values,
        "stage": keys | json_values,
        "choices": st.lists(st.text(max_size=5) | nasty, max_size=4) | json_values,
        "help": st.text(max_size=20) | nasty | json_values,
    },
)
configs = st.fixed_dictionaries(
    {},
    optional={
        "version": st.sampled_from([1, 1, 1, 2, "1"]) | json_values,
        "stages": st.lists(stage_entries, max_size=5) | json_values,
        "fields": st.lists(field_entries, max_size=3) | json_values,
        "extra": json_values,
    },
)
documents = st.one_of(
    configs.map(json.dumps),
    configs.map(json.dumps),
    json_values.map(json.dumps),
    st.text(max_size=200),
    st.sampled_from(["[" * 5000 + "]" * 5000, '{"version": 1, "stages": [}', "\ufeff{}", "{}"]),
)


@pytest.fixture
def part(engineer):
    part = ModelPart.objects.create(model_no="EICS112", part_no="EICS112_Part")
    procedure_apply(part=part, config=BASE, user=engineer)
    return part


def saved(part):
    procedure = PartProcedureDetail.objects.get(model_part=part)
    return procedure.version, procedure.procedure_config, procedure.applied_schema


@FUZZ
@given(document=documents, as_file=st.booleans())
def test_any_imported_document_is_shown_for_review_or_refused_clearly_and_saves_nothing(
    client_for, engineer, part, document, as_file
):
    before = saved(part)
    if as_file:
        upload = SimpleUploadedFile("p.json", document.encode("utf-8", "surrogatepass"))
        data = {"file": upload}
    else:
        data = {"text": document.encode("utf-8", "replace").decode("utf-8")}

    response = client_for(engineer).post(reverse("procedures:import", args=[part.pk]), data)

    assert response.status_code == 200
    page = response.content.decode()
    imported = "Imported. Nothing is saved yet" in page
    refused = 'class="invalid-feedback' in page or "alert-danger" in page
    assert imported != refused, page[-3000:]
    assert saved(part) == before


@FUZZ
@given(config=configs | json_values, expected=st.sampled_from([None, 1, "x", True, 99]))
def test_any_applied_config_is_saved_whole_or_refused_naming_the_problem(
    client_for, engineer, part, config, expected
):
    version, _config, _schema = before = saved(part)
    body = {"config": config, "expected_version": version if expected == 1 else expected}

    response = client_for(engineer).post(
        f"/procedures/{part.pk}/apply", body, content_type="application/json"
    )

    answer = response.json()
    if response.status_code == 200:
        after = saved(part)
        assert answer["version"] == after[0] == version + 1 or after == before
        part.unit_model().objects.count()  # the saved schema builds and queries
    else:
        assert response.status_code in {400, 409}, answer
        assert answer["error"]["code"] in {"invalid", "conflict"}
        assert answer["error"].get("messages") or answer["error"].get("message")
        assert saved(part) == before


def test_a_deeply_nested_document_is_refused_as_not_json(client_for, engineer, part):
    deep = "[" * 100_000 + "]" * 100_000
    client = client_for(engineer)

    imported = client.post(reverse("procedures:import", args=[part.pk]), {"text": deep})
    applied = client.post(
        f"/procedures/{part.pk}/apply",
        '{"config": ' + deep + "}",
        content_type="application/json",
    )

    assert imported.status_code == 200 and "nested too deeply" in imported.content.decode()
    assert applied.status_code == 400
