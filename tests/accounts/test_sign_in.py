import pytest
from django.urls import reverse

from tests.conftest import PASSWORD

REFUSAL = "Sign-in failed: that email and password do not match an account that can sign in."


def sign_in(client, email, password):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


@pytest.mark.django_db
def test_engineer_signs_in_by_email_and_lands_on_the_start_page(client, engineer):
    response = sign_in(client, engineer.email, PASSWORD)

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(reverse("home")).context["user"] == engineer


@pytest.mark.django_db
def test_email_is_matched_without_regard_to_case_or_surrounding_space(client, make_user):
    make_user("Engineer", email="ana.lopez@plant.example")

    response = sign_in(client, "  Ana.Lopez@PLANT.example ", PASSWORD)

    assert response.status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["wrong password", "unknown email", "disabled account"])
def test_refused_sign_in_gives_one_message_that_reveals_nothing(client, make_user, case):
    user = make_user("Operator", email="op@plant.example")
    email, password = user.email, PASSWORD
    if case == "wrong password":
        password = "not-the-password"
    elif case == "unknown email":
        email = "nobody@plant.example"
    else:
        user.is_active = False
        user.save()

    response = sign_in(client, email, password)

    assert response.status_code == 200
    assert REFUSAL in response.content.decode()
    assert "inactive" not in response.content.decode().lower()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_malformed_email_is_named_and_nobody_is_signed_in(client):
    response = sign_in(client, "not-an-email", "whatever")

    assert "Enter a valid email address." in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_sign_out_ends_the_session_and_returns_to_sign_in(client, client_for, supervisor):
    signed_in = client_for(supervisor)

    response = signed_in.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_sign_in_page_is_the_products_own_page(client):
    body = client.get(reverse("accounts:login")).content.decode()

    assert "Sign in to Shopfloor" in body
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in body
