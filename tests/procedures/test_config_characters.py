"""Text in a procedure (labels, instructions, help, choices) holds nothing unprintable: NUL and
lone surrogates cannot even be stored by PostgreSQL, and used to fail the save with a 500."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from parts.models import ModelPart
from procedures.config import validate_procedure_config


def config(stage_extra=None, field_extra=None):
    return {
        "version": 1,
        "stages": [{"key": "smd", "label": "SMD", **(stage_extra or {})}],
        "fields": [{"key": "fw", "label": "Firmware", "type": "text", **(field_extra or {})}],
    }


@pytest.mark.parametrize(
    ("stage_extra", "field_extra", "message"),
    [
        (
            {"label": "S\x00MD"},
            None,
            "stages[0].label: The text has the character NUL at position 2",
        ),
        ({"label": "\ud800"}, None, "stages[0].label: The text has the character U+D800"),
        (
            {"label": "SMD\u202e"},
            None,
            "stages[0].label: The text has the character RIGHT-TO-LEFT OVERRIDE at position 4",
        ),
        (
            {"instructions": "Look\x00"},
            None,
            "stages[0].instructions: The text has the character NUL",
        ),
        (None, {"help": "\x1b[31m"}, "fields[0].help: The text has the character U+001B"),
        (
            None,
            {"type": "choice", "choices": ["A", "B\x00"]},
            "fields[0].choices[1]: The text has the character NUL",
        ),
    ],
)
def test_unprintable_text_is_refused_naming_the_entry_and_character(
    stage_extra, field_extra, message
):
    with pytest.raises(ValidationError) as caught:
        validate_procedure_config(config(stage_extra, field_extra))

    assert any(text.startswith(message) for text in caught.value.messages)


def test_instructions_and_help_keep_their_line_breaks_and_tabs():
    text = "1. Clean the board.\r\n2. Check:\tjoints\n3. Sign."

    result = validate_procedure_config(config({"instructions": text}, {"help": text}))

    assert result["stages"][0]["instructions"] == text
    assert result["fields"][0]["help"] == text


def test_a_field_stage_that_is_not_text_is_refused_naming_it():
    bad = config(field_extra={"stage": ["smd"]})

    with pytest.raises(ValidationError) as caught:
        validate_procedure_config(bad)

    assert caught.value.messages == [
        "fields[0].stage: ['smd'] is not a stage of this procedure; choose one of its stages, "
        "or none."
    ]


def test_an_unprintable_key_is_named_escaped_so_the_page_can_show_it(client_for, engineer):
    part = ModelPart.objects.create(model_no="EICS112", part_no="EICS112_Part")
    document = '{"version": 1, "stages": [{"key": "\\ud800", "label": "X"}], "fields": []}'

    response = client_for(engineer).post(
        reverse("procedures:import", args=[part.pk]), {"text": document}
    )

    assert response.status_code == 200
    assert "stages[0].key: &quot;\\ud800&quot; cannot be a key" in response.content.decode()
