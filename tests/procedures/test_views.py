"""Applying a procedure over HTTP, as the procedure editor will."""

import json

import pytest
from django.urls import reverse

from tests.unit_tables.support import SMD_QC, columns_of, config, stage

pytestmark = pytest.mark.django_db


def post(client, part, body, name="apply"):
    return client.post(
        reverse(f"procedures:{name}", args=[part.pk]),
        data=json.dumps(body),
        content_type="application/json",
    )


def test_an_engineer_applies_a_procedure_and_gets_the_plan(client_for, engineer, part):
    response = post(client_for(engineer), part, {"config": SMD_QC, "expected_version": None})

    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert response.json()["plan"]["create_table"] is True
    assert "is_qc" in columns_of(f"parts_unit_{part.pk}")


def test_a_stale_version_gets_409_naming_who_changed_it(client_for, make_user, part, apply):
    other = make_user("Engineer", full_name="Grace Hopper")
    apply(part, SMD_QC, user=other)
    client = client_for(make_user("Engineer"))

    response = post(client, part, {"config": config(stage("smd")), "expected_version": 0})

    assert response.status_code == 409
    assert response.json()["error"]["changed_by"] == "Grace Hopper"
    assert response.json()["error"]["version"] == 1


def test_a_bad_config_gets_400_naming_the_entry(client_for, engineer, part):
    response = post(client_for(engineer), part, {"config": config(stage("QC"))})

    assert response.status_code == 400
    assert response.json()["error"]["messages"][0].startswith('stages[0].key: "QC" cannot be a key')


def test_a_body_without_config_gets_400(client_for, engineer, part):
    response = post(client_for(engineer), part, {"stages": []})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_the_preview_changes_nothing(client_for, engineer, part, apply):
    apply(part, SMD_QC)

    response = post(client_for(engineer), part, {"config": config(stage("smd"))}, "preview")

    assert response.status_code == 200
    retired = response.json()["plan"]["retired"]
    assert [r["column"] for r in retired] == ["is_qc", "qc_at", "qc_by_id", "smd_result"]
    assert {r["units_holding_data"] for r in retired} == {0}
    assert "smd_result" in [f.name for f in part.unit_model()._meta.fields]


def test_an_operator_may_not_apply_a_procedure(client_for, operator, part):
    response = post(client_for(operator), part, {"config": SMD_QC})

    assert response.status_code == 403
    assert (
        f"parts_unit_{part.pk}"
        not in columns_of.__globals__["connection"].introspection.table_names()
    )


def test_a_signed_out_visitor_is_sent_to_sign_in(client, part):
    assert post(client, part, {"config": SMD_QC}).status_code == 302


@pytest.mark.parametrize("name", ["apply", "preview"])
def test_json_refusals_have_the_scan_api_shape_with_every_message(client_for, engineer, part, name):
    response = post(client_for(engineer), part, {"config": config(stage("QC"), stage("QC"))}, name)

    error = response.json()["error"]
    assert response.status_code == 400
    assert error["code"] == "invalid"
    assert error["messages"] and all(message in error["message"] for message in error["messages"])


def test_a_conflict_names_itself_in_the_message(client_for, make_user, part, apply):
    apply(part, SMD_QC, user=make_user("Engineer", full_name="Grace Hopper"))

    response = post(
        client_for(make_user("Engineer")), part, {"config": SMD_QC, "expected_version": 0}
    )

    assert response.json()["error"]["code"] == "conflict"
    assert "Grace Hopper" in response.json()["error"]["message"]
