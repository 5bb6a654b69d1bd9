"""A procedure can never ask a unit table for more columns than the database holds: capped
stages, fields, choices and texts; the column total (retired and dropped columns included)
checked before any DDL, answered 400 with the count."""

import json

import pytest
from django.db import connection
from django.urls import reverse

from parts.unit_tables.capacity import column_limit, dropped_column_count
from procedures.models import PartProcedureDetail

pytestmark = pytest.mark.django_db(transaction=True)


def procedure(prefix, stages=100, fields=200):
    return {
        "version": 1,
        "stages": [
            {"key": f"{prefix}s{n}", "label": f"{prefix} stage {n}", "result": "pass_fail"}
            for n in range(stages)
        ],
        "fields": [
            {"key": f"{prefix}f{n}", "label": f"{prefix} field {n}", "type": "text"}
            for n in range(fields)
        ],
    }


def apply_over_http(client, part, config, version):
    return client.post(
        reverse("procedures:apply", args=[part.pk]),
        data=json.dumps({"config": config, "expected_version": version}),
        content_type="application/json",
    )


def test_400_stages_are_refused_with_the_cap_named_and_nothing_made(client_for, engineer, part):
    response = apply_over_http(
        client_for(engineer), part, procedure("a", stages=400, fields=0), None
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert "stages: There are 400 stages; a procedure may have at most 100." in error["messages"]
    assert not PartProcedureDetail.objects.filter(model_part=part).exists()


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            procedure("a", stages=1, fields=201),
            "fields: There are 201 fields; a procedure may have at most 200.",
        ),
        (
            {
                "version": 1,
                "stages": [{"key": "a", "label": "A", "instructions": "x" * 5001}],
            },
            "stages[0].instructions: The instructions are too long: at most 5,000 characters.",
        ),
        (
            {
                "version": 1,
                "stages": [{"key": "a", "label": "A"}],
                "fields": [
                    {
                        "key": "c",
                        "label": "C",
                        "type": "choice",
                        "choices": [f"c{n}" for n in range(201)],
                    }
                ],
            },
            "fields[0].choices: There are 201 choices; at most 200 are allowed.",
        ),
        (
            {
                "version": 1,
                "stages": [{"key": "a", "label": "A"}],
                "fields": [{"key": "h", "label": "H", "type": "text", "help": "h" * 1001}],
            },
            "fields[0].help: The help is too long: at most 1,000 characters.",
        ),
    ],
    ids=["fields", "instructions", "choices", "help"],
)
def test_each_cap_is_named(client_for, engineer, part, config, message):
    response = apply_over_http(client_for(engineer), part, config, None)

    assert response.status_code == 400
    assert message in response.json()["error"]["messages"]


def test_the_database_limit_is_1600_on_postgresql_and_2000_on_sqlite():
    assert column_limit() == (1600 if connection.vendor == "postgresql" else 2000)


def test_retired_columns_count_toward_the_limit_and_the_refusal_names_the_total(
    client_for, engineer, part, settings
):
    settings.UNIT_TABLE_MAX_COLUMNS = 400  # reached in three saves instead of four of 600
    client = client_for(engineer)
    limit = column_limit()
    version = None
    answers = []
    for round_ in "abcd":  # each round retires the last one's 180 columns and adds 180 more
        response = apply_over_http(client, part, procedure(round_, stages=20, fields=100), version)
        answers.append(response.status_code)
        if response.status_code != 200:
            break
        version = response.json()["version"]

    assert answers[-1] == 400 and set(answers[:-1]) == {200}
    message = response.json()["error"]["messages"][0]
    assert message.startswith("procedure: The unit table would need ")
    assert f"more than the database allows ({limit:,})" in message
    assert "kept for removed stages and fields" in message
    assert PartProcedureDetail.objects.get(model_part=part).version == version


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL keeps dropped slots")
def test_dropped_column_slots_are_counted_from_pg_attribute(client_for, engineer, part, apply):
    apply(part, procedure("a", stages=1, fields=0))
    table = f"parts_unit_{part.pk}"
    names = [f"gone_{n}" for n in range(1500)]
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} " + ", ".join(f"ADD COLUMN {n} int" for n in names))
        cursor.execute(f"ALTER TABLE {table} " + ", ".join(f"DROP COLUMN {n}" for n in names))
    assert dropped_column_count(part.pk) == 1500

    response = apply_over_http(client_for(engineer), part, procedure("a", stages=30, fields=0), 1)

    assert response.status_code == 400
    message = response.json()["error"]["messages"][0]
    assert "1,500 slots of dropped columns" in message and "(1,600)" in message
    assert "unit_tables rebuild" in message
