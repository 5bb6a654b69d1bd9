"""procedure_config v1 validation: every refusal names the entry and the problem."""

import re

import pytest
from django.core.exceptions import ValidationError

from procedures.config import validate_procedure_config


def stage(key, label=None, **extra):
    return {"key": key, "label": label or key.upper(), **extra}


def cfg(stages=None, fields=None, **extra):
    return {"version": 1, "stages": stages or [stage("smd")], "fields": fields or [], **extra}


def problems(config, **kwargs):
    with pytest.raises(ValidationError) as caught:
        validate_procedure_config(config, **kwargs)
    return caught.value.messages


def test_a_valid_config_comes_back_with_its_defaults_written_out():
    result = validate_procedure_config(
        cfg(
            [stage("smd", result="pass_fail", media=["part_image"]), stage("dispatch")],
            [{"key": "fw", "label": "Firmware", "type": "text", "stage": "smd"}],
        )
    )

    assert result["stages"][1] == {
        "key": "dispatch",
        "label": "DISPATCH",
        "optional": False,
        "result": "done",
    }
    assert result["fields"][0]["required"] is False


BAD_CONFIGS = [
    (
        cfg([stage("smd"), stage("leaded"), stage("QC")]),
        'stages[2].key: "QC" cannot be a key: use lowercase letters, digits and underscores, '
        'starting with a letter, at most 30 characters, e.g. "qc".',
    ),
    (cfg([stage("1st")]), 'stages[0].key: "1st" cannot be a key: use lowercase'),
    (cfg([stage("a" * 31)]), "at most 30 characters"),
    (
        cfg([stage("smd__x")]),
        'stages[0].key: "smd__x" cannot be a key: it may not have two underscores in a row',
    ),
    (cfg([stage("smd"), stage("smd")]), 'stages[1].key: "smd" is already the key of stages[0]'),
    (
        cfg(fields=[{"key": "smd", "label": "S", "type": "text"}]),
        'fields[0].key: "smd" is already the key of stages[0]',
    ),
    (cfg([{"key": "smd"}]), "stages[0].label: A label is needed"),
    (
        cfg([stage("smd", result="maybe")]),
        'stages[0].result: "maybe" is not a kind of result; choose done or pass_fail.',
    ),
    (
        cfg([stage("smd", optional="no")]),
        'stages[0].optional: This must be yes or no (true or false), not "no".',
    ),
    (
        cfg([stage("smd", colour="red")]),
        'stages[0]: "colour" is not something a stage can have; a stage has: key, label,',
    ),
    (
        cfg([stage("smd", media=["selfie"])]),
        'stages[0].media[0]: "selfie" is not a kind of media a stage can show',
    ),
    (cfg(owner="me"), 'procedure: "owner" is not something a procedure can have'),
    ({"version": 2, "stages": [stage("smd")]}, "version: The version must be 1, not 2."),
    ({"version": 1, "stages": []}, "stages: A procedure needs at least one stage"),
    ({"version": 1, "stages": "smd"}, "stages: A procedure needs at least one stage"),
    ("smd,qc", "procedure: A procedure must be a JSON object"),
    (cfg([["smd"]]), "stages[0]: Each stage must be written as an object"),
    (
        cfg(fields=[{"key": "fw", "label": "F", "type": "float"}]),
        'fields[0].type: "float" is not a type of field; choose one of: text, integer, decimal, '
        "boolean, date, choice, measurement.",
    ),
    (
        cfg(fields=[{"key": "colour", "label": "C", "type": "choice"}]),
        'fields[0].choices: A field of type "choice" needs its choices: enter at least one.',
    ),
    (
        cfg(fields=[{"key": "colour", "label": "C", "type": "choice", "choices": ["r", "r"]}]),
        'fields[0].choices[1]: "r" is listed twice; keep one.',
    ),
    (
        cfg(fields=[{"key": "fw", "label": "F", "type": "text", "choices": ["a"]}]),
        'fields[0].choices: Only a field of type "choice" has choices',
    ),
    (
        cfg(fields=[{"key": "fw", "label": "F", "type": "text", "stage": "testing"}]),
        'fields[0].stage: "testing" is not a stage of this procedure',
    ),
    (
        cfg(fields=[{"key": "fw", "label": "F", "type": "text", "colour": "V"}]),
        'fields[0]: "colour" is not something a field can have',
    ),
    (
        cfg([stage("created")]),
        'stages[0].key: This key would make the column "created_at", which the unit table uses '
        "itself; choose another key.",
    ),
    (
        cfg([stage("is_x"), stage("x_at")]),
        'stages[1].key: This key would make the column "is_x_at", which stages[0] makes too',
    ),
]


@pytest.mark.parametrize(("config", "expected"), BAD_CONFIGS)
def test_a_bad_config_is_refused_naming_the_entry_and_the_problem(config, expected):
    messages = problems(config)

    assert any(expected in message for message in messages), messages


SENTENCE = re.compile(r'[A-Z"].*[.]', re.DOTALL)


def test_every_message_reads_as_a_sentence_after_the_entry_it_names():
    configs = [config for config, _expected in BAD_CONFIGS] + [
        _with_usid_rule(**rule) for rule, _expected in BAD_USID_RULES
    ]
    for config in configs:
        for message in problems(config):
            _path, _sep, text = message.partition(": ")
            assert SENTENCE.fullmatch(text), message
            assert "non-empty" not in text and "must be a text" not in text, message


def test_every_problem_is_reported_at_once():
    messages = problems(cfg([stage("QC"), stage("smd", result="x")], owner=1))

    assert len(messages) == 3


def test_changing_a_saved_key_is_refused():
    previous = cfg([stage("smd", "SMD"), stage("qc", "QC")])

    messages = problems(
        cfg([stage("smd", "SMD"), stage("qc_check", "QC")]), previous_config=previous
    )

    assert messages == [
        'stages[1].key: The key cannot change from "qc" to "qc_check" once saved: the units\' '
        "data is kept under the old key. To start afresh, remove the entry and save, then add a "
        "new one."
    ]


def test_removing_a_stage_and_adding_another_with_its_own_label_is_allowed():
    previous = cfg([stage("smd", "SMD"), stage("qc", "QC")])

    result = validate_procedure_config(
        cfg([stage("smd", "SMD"), stage("testing", "Testing")]), previous_config=previous
    )

    assert [s["key"] for s in result["stages"]] == ["smd", "testing"]


def test_a_new_key_may_not_reuse_a_column_that_keeps_retired_data():
    applied = {"columns": {"is_x_at": {"owner": "stage:x_at", "type": "flag", "retired": True}}}

    messages = problems(cfg([stage("is_x")]), applied_schema=applied)

    assert messages == [
        'stages[0].key: This key would make the column "is_x_at", which keeps the data of stage '
        '"x_at"; choose another key.'
    ]


def _with_usid_rule(**rule):
    return {"version": 1, "stages": [{"key": "smd", "label": "SMD"}], "fields": [], **rule}


def test_a_usid_pattern_and_its_example_are_kept():
    config = validate_procedure_config(
        _with_usid_rule(usid_pattern="^PWR-[0-9]{4}$", usid_example="PWR-0001")
    )

    assert (config["usid_pattern"], config["usid_example"]) == ("^PWR-[0-9]{4}$", "PWR-0001")


BAD_USID_RULES = [
    (
        {"usid_pattern": "^PWR-[0-9"},
        "usid_pattern: The USID pattern is not a valid regular expression",
    ),
    ({"usid_pattern": "A" * 201}, "usid_pattern: The USID pattern is 201 characters long"),
    ({"usid_pattern": 5}, "usid_pattern: The USID pattern must be text"),
    (
        {"usid_pattern": "^PWR-[0-9]{4}$", "usid_example": "PWR-12"},
        'usid_example: The example USID "PWR-12" does not fit the USID pattern',
    ),
    ({"usid_example": "P\u00c9R-1"}, "usid_example:"),
]


@pytest.mark.parametrize(("rule", "expected"), BAD_USID_RULES)
def test_a_bad_usid_rule_is_refused_naming_it(rule, expected):
    with pytest.raises(ValidationError) as refused:
        validate_procedure_config(_with_usid_rule(**rule))

    assert any(expected in message for message in refused.value.messages), refused.value.messages
