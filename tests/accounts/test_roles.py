import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from shopfloor.accounts.roles import Role, user_roles


@pytest.mark.django_db
def test_role_groups_exist_after_migrating_with_their_permissions():
    engineer = Group.objects.get(name="Engineer")
    operator = Group.objects.get(name="Operator")
    supervisor = Group.objects.get(name="Supervisor")

    assert engineer.permissions.filter(codename="change_modelpart").exists()
    assert engineer.permissions.filter(codename="change_partproceduredetail").exists()
    assert not operator.permissions.filter(codename="change_modelpart").exists()
    assert not supervisor.permissions.filter(codename="add_modelpart").exists()
    assert operator.permissions.filter(codename="view_modelpart").exists()


@pytest.mark.django_db
def test_superuser_holds_every_role(admin_user, operator):
    assert user_roles(admin_user) == frozenset(Role)
    assert user_roles(operator) == {Role.OPERATOR}


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["home", "parts:list", "parts:create"])
def test_every_page_sends_a_signed_out_visitor_to_sign_in(client, url_name):
    response = client.get(reverse(url_name))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login") + "?next=")


@pytest.mark.django_db
def test_an_operator_cannot_open_the_new_part_form(client_for, operator):
    response = client_for(operator).get(reverse("parts:create"))

    assert response.status_code == 403
    assert "Your role does not allow this" in response.content.decode()


@pytest.mark.django_db
def test_navigation_shows_each_role_its_own_entries(client_for, engineer, operator):
    engineer_nav = client_for(engineer).get(reverse("home")).context["nav_entries"]
    operator_nav = client_for(operator).get(reverse("home")).context["nav_entries"]

    assert "New part" in [entry["label"] for entry in engineer_nav]
    assert "New part" not in [entry["label"] for entry in operator_nav]


@pytest.mark.django_db
def test_an_engineers_bar_keeps_five_entries_and_folds_the_rest_under_more(client_for, engineer):
    nav = client_for(engineer).get(reverse("home")).context["nav_entries"]

    in_bar = [entry["label"] for entry in nav if entry["in_bar"]]
    folded = [entry["label"] for entry in nav if not entry["in_bar"]]
    assert in_bar == ["Parts", "New part", "Stations", "Dashboards", "Trace"]
    assert "Badge devices" in folded and "Jobs" in folded


@pytest.mark.django_db
def test_a_page_folded_under_more_marks_more_and_its_entry_as_current(client_for, engineer):
    body = client_for(engineer).get(reverse("jobs:list")).content.decode()
    on_parts = client_for(engineer).get(reverse("parts:list")).content.decode()

    assert 'class="nav-link dropdown-toggle active"' in body
    assert f'aria-current="page" href="{reverse("jobs:list")}"' in body
    assert 'class="nav-link dropdown-toggle"' in on_parts
    assert f'aria-current="page" href="{reverse("parts:list")}"' in on_parts


@pytest.mark.django_db
def test_account_without_role_is_told_to_ask_for_one(client_for, make_user):
    body = client_for(make_user()).get(reverse("home")).content.decode()

    assert "Your account has no role yet" in body
