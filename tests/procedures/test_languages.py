"""The procedure pages and the procedure_config validator in Hindi and Spanish.

The language is chosen the way a browser asks for it (Accept-Language); the validator's
machine parts (the error code, each problem's entry path, every JSON key) never change with
it, only the sentences people read.
"""

import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from procedures.change_jobs import change_procedure
from procedures.config import field_value_problem, validate_procedure_config
from procedures.models import PartProcedureDetail
from procedures.services import procedure_apply
from shopfloor.jobs.models import Job
from shopfloor.jobs.runner import run_job
from tests.jobs.support import add_units
from tests.procedures.editor_posts import editor_post, stage, text_of

pytestmark = pytest.mark.django_db

SMD_QC = {
    "version": 1,
    "stages": [
        {"key": "smd", "label": "SMD", "result": "pass_fail"},
        {"key": "qc", "label": "QC", "result": "pass_fail"},
    ],
    "fields": [{"key": "firmware", "label": "Firmware", "type": "text"}],
}
# A config with one bad key: the validator refuses it at stages[1].key.
BAD_KEY = {"version": 1, "stages": [{"key": "smd", "label": "SMD"}, {"key": "QC", "label": "QC"}]}

# What the editor shows of its own in English: none of it may stay English in another language.
EDITOR_ENGLISH = [
    "Procedure of",
    "Editing version",
    "Saved procedure",
    "Unit identity",
    "USID pattern",
    "in process order",
    "Keys name the unit table",
    "Media shown at the station",
    "Instructions",
    "Add stage",
    "Add custom stage",
    "Unit fields",
    "Filled at stage",
    "Help for the operator",
    "Add field",
    "Changes to the procedure",
    "Changes to the unit table",
    "The unit table does not change",
    "Save procedure",
    "Unit table columns",
    "Copy from another part",
    "Replaces this draft",
    "Remove",
]
# Its attributes a person hears or sees on hover.
EDITOR_ATTRIBUTES = ["Drag to move", "Stage actions", "Move up", "Move down", "Catalogue stage"]
SAID = {
    "hi": {"save": "प्रक्रिया सेव करें", "add_stage": "स्टेज जोड़ें", "move_up": "ऊपर ले जाएँ"},
    "es": {"save": "Guardar procedimiento", "add_stage": "Agregar etapa", "move_up": "Subir"},
}


def _main(html):
    """The page's own part: the shell around it (navigation) is not the editor's."""
    return html.split("<main", 1)[1]


def _attributes(html):
    return re.findall(r'(?:title|aria-label|placeholder)="([^"]*)"', html)


@pytest.mark.parametrize("language", ["hi", "es"])
def test_the_editor_speaks_the_language_the_browser_asks_for(
    client_for, engineer, part, apply, language
):
    apply(part, SMD_QC)

    response = client_for(engineer).get(
        reverse("procedures:edit", args=[part.pk]), headers={"accept-language": language}
    )

    html = response.content.decode()
    page = _main(html)
    text = text_of(page)
    assert f'<html lang="{language}"' in html
    assert SAID[language]["save"] in text
    assert SAID[language]["add_stage"] in text
    assert SAID[language]["move_up"] in _attributes(page)
    left_in_english = [phrase for phrase in EDITOR_ENGLISH if phrase in text]
    assert left_in_english == []
    assert [label for label in _attributes(page) if label in EDITOR_ATTRIBUTES] == []
    assert "SMD" in text and "Firmware" in text, "labels engineers typed are shown as typed"


def test_the_editor_still_speaks_english_by_default(client_for, engineer, part, apply):
    apply(part, SMD_QC)

    html = client_for(engineer).get(reverse("procedures:edit", args=[part.pk])).content.decode()

    text = text_of(_main(html))
    assert "Save procedure" in text and "Add custom stage" in text
    assert "Move up" in _attributes(html)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("hi", '"QC" कुंजी नहीं हो सकती'),
        ("es", '"QC" no puede ser una clave'),
        ("en", '"QC" cannot be a key'),
    ],
)
def test_a_refusal_shown_in_the_editor_is_in_the_persons_language(
    client_for, engineer, part, language, expected
):
    data = editor_post([stage("smd", "SMD"), stage("QC", "QC")], action="validate")

    response = client_for(engineer).post(
        reverse("procedures:edit", args=[part.pk]),
        data,
        headers={"HX-Request": "true", "accept-language": language},
    )

    html = response.content.decode()
    row = re.search(r'<div id="stages-errors-1"[^>]*>(.*?)</div>\s*</div>', html, re.S)
    assert response.status_code == 200 and "<html" not in html
    assert expected in text_of(row.group(1))
    assert "stages[1]" not in text_of(row.group(1)), "the row says which entry, not the path"


def _apply(client, part, config, language=None, expected_version=None):
    headers = {"accept-language": language} if language else {}
    return client.post(
        reverse("procedures:apply", args=[part.pk]),
        data=json.dumps({"config": config, "expected_version": expected_version}),
        content_type="application/json",
        headers=headers,
    )


def test_the_api_keeps_its_code_paths_and_keys_and_translates_only_the_sentences(
    client_for, engineer, part
):
    client = client_for(engineer)

    english = _apply(client, part, BAD_KEY).json()
    spanish = _apply(client, part, BAD_KEY, "es").json()
    hindi = _apply(client, part, BAD_KEY, "hi").json()

    assert english["error"]["code"] == spanish["error"]["code"] == hindi["error"]["code"]
    assert english["error"]["code"] == "invalid"
    assert english.keys() == spanish.keys() == hindi.keys()
    assert english["error"].keys() == spanish["error"].keys() == hindi["error"].keys()
    paths = [
        [message.partition(": ")[0] for message in answer["error"]["messages"]]
        for answer in (english, spanish, hindi)
    ]
    assert paths[0] == paths[1] == paths[2] == ["stages[1].key"]
    assert english["error"]["messages"][0].startswith('stages[1].key: "QC" cannot be a key')
    assert spanish["error"]["messages"][0].startswith('stages[1].key: "QC" no puede ser una clave')
    assert hindi["error"]["messages"][0].startswith('stages[1].key: "QC" कुंजी नहीं हो सकती')
    assert not PartProcedureDetail.objects.filter(model_part=part).exists(), "nothing saved"


def test_outside_a_request_the_validator_speaks_the_active_language_english_by_default():
    with pytest.raises(ValidationError) as english:
        validate_procedure_config(BAD_KEY)
    with translation.override("es"), pytest.raises(ValidationError) as spanish:
        validate_procedure_config(BAD_KEY)

    assert english.value.messages[0].startswith('stages[1].key: "QC" cannot be a key')
    assert spanish.value.messages[0].startswith('stages[1].key: "QC" no puede ser una clave')
    assert english.value.error_list[0].code == spanish.value.error_list[0].code
    whole_number = {"type": "integer"}
    assert field_value_problem(whole_number, "x", name="Count") == (
        'Count must be a whole number, not "x".'
    )
    with translation.override("hi"):
        assert field_value_problem(whole_number, "x", name="Count") == (
            'Count पूर्ण संख्या होना चाहिए, "x" नहीं।'
        )


def test_the_history_shows_dates_the_way_the_language_writes_them(
    client_for, engineer, part, apply
):
    apply(part, SMD_QC)
    saved_at = timezone.localtime(part.procedure.versions.get().saved_at)

    html = client_for(engineer).get(
        reverse("procedures:history", args=[part.pk]), headers={"accept-language": "es"}
    )

    text = text_of(html.content.decode())
    with translation.override("es"):
        spanish_date = date_format(saved_at, "DATETIME_FORMAT")
    assert "Historial del procedimiento de" in text
    assert f"guardada por {engineer.get_full_name()} el {spanish_date}" in text
    assert saved_at.strftime("%Y-%m-%d") not in text
    assert "added" not in text and "agregado" in text, "the kinds of change are translated"


def test_the_scripts_catalog_carries_the_editors_leave_warning(client_for, engineer):
    client = client_for(engineer)

    hindi = client.get(reverse("javascript-catalog"), headers={"accept-language": "hi"})
    spanish = client.get(reverse("javascript-catalog"), headers={"accept-language": "es"})

    # The catalog is JSON inside a script: non-ASCII letters are written as \u escapes.
    assert json.dumps("प्रक्रिया का आपका ड्राफ़्ट सेव नहीं हुआ है")[1:-1] in hindi.content.decode()
    assert json.dumps("Su borrador del procedimiento no está guardado")[1:-1] in (
        spanish.content.decode()
    )


LOT_AS_TEXT = {**SMD_QC, "fields": [{"key": "lot", "label": "Lot", "type": "text"}]}
LOT_AS_NUMBER = {**SMD_QC, "fields": [{"key": "lot", "label": "Lot", "type": "integer"}]}


@pytest.mark.django_db(transaction=True)
def test_a_change_job_reports_in_the_language_of_who_asked_even_run_by_a_worker(
    client_for, engineer, make_part, settings
):
    settings.PROCEDURE_JOB_UNITS = 3
    part = make_part()
    procedure_apply(part=part, config=LOT_AS_TEXT, user=engineer)
    add_units(part, 3)
    part.unit_model().objects.update(f_lot="7")

    answer = _apply(client_for(engineer), part, LOT_AS_NUMBER, "es", expected_version=1)
    translation.deactivate()  # the worker is another process: no request, no language
    job = Job.objects.get(pk=answer.json()["job"])
    outcome = run_job(job.pk, change_procedure)
    job.refresh_from_db()

    assert answer.status_code == 202 and outcome == "done"
    assert job.label == f"Cambio del procedimiento de {part.part_no}"
    assert (
        job.message
        == "Se guardó la versión 2 del procedimiento; se convirtieron 3 valores de unidades."
    )
    assert part.unit_model().objects.filter(f_lot=7).count() == 3
