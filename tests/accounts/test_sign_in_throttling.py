"""Guessing passwords is throttled: per account and per address, logged, and the pause names
no account."""

import logging

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PAUSED = "Sign-in is paused after too many failed attempts"


def sign_in(client, email, password, address="10.0.0.5", **headers):
    return client.post(
        reverse("accounts:login"),
        {"username": email, "password": password},
        REMOTE_ADDR=address,
        headers=headers,
    )


@pytest.fixture
def limit(settings):
    return settings.AXES_FAILURE_LIMIT


def test_after_the_limit_of_wrong_passwords_even_the_right_one_is_refused(
    client, admin_user, limit
):
    answers = [sign_in(client, admin_user.email, f"guess-{n}").status_code for n in range(limit)]
    right = sign_in(client, admin_user.email, PASSWORD)

    assert answers[: limit - 1] == [200] * (limit - 1)
    assert answers[-1] == 429
    assert right.status_code == 429
    assert PAUSED in right.content.decode()
    assert admin_user.email not in right.content.decode()
    assert int(right["Retry-After"]) >= 60
    assert "_auth_user_id" not in client.session


def test_the_account_is_paused_from_every_address_and_letter_case(client, engineer, limit):
    for n in range(limit):
        sign_in(client, engineer.email.upper(), "wrong", address=f"10.1.0.{n}")

    response = sign_in(Client(), engineer.email, PASSWORD, address="10.9.9.9")

    assert response.status_code == 429
    assert PAUSED in response.content.decode()


def test_an_address_guessing_many_accounts_is_paused_for_every_account(client, make_user, limit):
    for n in range(limit):
        sign_in(client, f"nobody-{n}@plant.example", "wrong", address="10.2.0.1")
    operator = make_user("Operator")

    from_there = sign_in(Client(), operator.email, PASSWORD, address="10.2.0.1")
    elsewhere = sign_in(Client(), operator.email, PASSWORD, address="10.2.0.2")

    assert from_there.status_code == 429
    assert elsewhere.status_code == 302


def test_a_right_password_before_the_limit_clears_the_count(client, operator, limit):
    for n in range(limit - 1):
        sign_in(client, operator.email, f"wrong-{n}")
    assert sign_in(client, operator.email, PASSWORD).status_code == 302
    client.logout()

    for n in range(limit - 1):
        sign_in(client, operator.email, f"wrong-again-{n}")

    assert sign_in(client, operator.email, PASSWORD).status_code == 302


def test_failures_and_the_pause_are_logged_with_the_address(client, supervisor, limit, caplog):
    with caplog.at_level(logging.INFO, logger="axes"):
        for n in range(limit):
            sign_in(client, supervisor.email, f"wrong-{n}", address="10.3.0.7")

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "10.3.0.7" in logged and supervisor.email in logged
    assert "after repeated login failures" in logged


def test_the_admin_sign_in_is_throttled_too(client, admin_user, limit):
    url = reverse("admin:login")
    for n in range(limit):
        client.post(
            url, {"username": admin_user.email, "password": f"x{n}"}, REMOTE_ADDR="10.4.0.1"
        )

    response = client.post(
        url, {"username": admin_user.email, "password": PASSWORD}, REMOTE_ADDR="10.4.0.1"
    )

    assert response.status_code == 429


def test_behind_the_proxy_the_address_it_reports_counts_not_what_the_client_writes(
    client, operator, limit, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(limit):
        # Each guess claims a new address on the left; the proxy appends the real one.
        sign_in(
            client,
            f"nobody-{n}@plant.example",
            "wrong",
            address="127.0.0.1",
            x_forwarded_for=f"203.0.113.{n}, 10.5.0.9",
        )

    paused = sign_in(
        Client(), operator.email, PASSWORD, address="127.0.0.1", x_forwarded_for="10.5.0.9"
    )
    other = sign_in(
        Client(), operator.email, PASSWORD, address="127.0.0.1", x_forwarded_for="10.5.0.10"
    )

    assert paused.status_code == 429
    assert other.status_code == 302
