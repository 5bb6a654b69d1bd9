"""Every procedure page checks sign-in and role: engineers change, everyone on the floor reads."""

import json

import pytest
from django.urls import reverse

from procedures.models import PartProcedureDetail
from shopfloor.accounts.roles import Role
from tests.procedures.editor_posts import editor_post, stage

pytestmark = pytest.mark.django_db

CONFIG = {
    "version": 1,
    "stages": [{"key": "smd", "label": "SMD", "optional": False, "result": "done"}],
    "fields": [],
}

READS = [
    ("procedures:detail", "get"),
    ("procedures:export", "get"),
    ("procedures:history", "get"),
    ("procedures:version", "get"),
]
WRITES = [
    ("procedures:edit", "get"),
    ("procedures:edit", "post"),
    ("procedures:import", "get"),
    ("procedures:import", "post"),
    ("procedures:restore", "post"),
]
POSTS = {
    "procedures:edit": editor_post([stage("smd")], action="add_field"),
    "procedures:import": {"text": json.dumps(CONFIG)},
    "procedures:restore": {"expected_version": 1},
}


@pytest.fixture
def procedure(part):
    return PartProcedureDetail.objects.create(model_part=part, procedure_config=CONFIG)


def request(client, method, name, part):
    args = [part.pk, 1] if name in {"procedures:version", "procedures:restore"} else [part.pk]
    url = reverse(name, args=args)
    if method == "get":
        return client.get(url)
    return client.post(url, POSTS[name])


@pytest.mark.parametrize(("name", "method"), READS + WRITES)
def test_signed_out_visitors_are_sent_to_sign_in(client, procedure, name, method):
    response = request(client, method, name, procedure.model_part)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.SUPERVISOR, Role.ENGINEER])
@pytest.mark.parametrize(("name", "method"), READS)
def test_everyone_on_the_floor_reads_procedures(
    client_for, make_user, procedure, role, name, method
):
    response = request(client_for(make_user(role)), method, name, procedure.model_part)

    assert response.status_code == 200


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.SUPERVISOR])
@pytest.mark.parametrize(("name", "method"), WRITES)
def test_operators_and_supervisors_cannot_change_procedures(
    client_for, make_user, procedure, role, name, method
):
    response = request(client_for(make_user(role)), method, name, procedure.model_part)

    assert response.status_code == 403


@pytest.mark.parametrize(("name", "method"), WRITES)
def test_engineers_and_admins_may_change_procedures(
    client_for, engineer, admin_user, procedure, name, method
):
    for user in (engineer, admin_user):
        response = request(client_for(user), method, name, procedure.model_part)
        assert response.status_code in {200, 302}


def test_the_procedure_page_offers_editing_only_to_engineers(
    client_for, operator, engineer, procedure
):
    url = reverse("procedures:detail", args=[procedure.model_part.pk])
    edit_url = reverse("procedures:edit", args=[procedure.model_part.pk])

    assert edit_url not in client_for(operator).get(url).content.decode()
    assert edit_url in client_for(engineer).get(url).content.decode()


def test_the_part_page_shows_the_procedure_and_links_to_it_by_role(
    client_for, operator, engineer, procedure
):
    part = procedure.model_part
    read_url = reverse("procedures:detail", args=[part.pk])
    edit_url = reverse("procedures:edit", args=[part.pk])

    as_operator = client_for(operator).get(part.get_absolute_url()).content.decode()
    as_engineer = client_for(engineer).get(part.get_absolute_url()).content.decode()

    assert "Version 1: SMD" in as_operator
    assert read_url in as_operator and edit_url not in as_operator
    assert read_url in as_engineer and edit_url in as_engineer
