"""Headers that tell a browser what a page may do and keep: camera only on the scan screen,
nothing signed-in kept in a shared PC's cache, cookies scripts cannot read, Secure in
production."""

import pytest
from django.test import Client
from django.urls import reverse

from shopfloor.stations.models import Station
from tests.conftest import PASSWORD
from tests.test_settings import run_manage

pytestmark = pytest.mark.django_db


@pytest.fixture
def station(db):
    return Station.objects.create(name="QC-1", line="Line A", stage="qc")


def test_the_scan_screen_alone_may_use_the_camera_and_run_webassembly(
    client_for, operator, station
):
    client = client_for(operator)

    scan_screen = client.get(reverse("stations:scan", args=[station.pk]))
    picker = client.get(reverse("stations:pick"))

    assert "camera=(self)" in scan_screen["Permissions-Policy"]
    assert "'wasm-unsafe-eval'" in scan_screen["Content-Security-Policy"]
    assert "camera=()" in picker["Permissions-Policy"]
    assert "wasm-unsafe-eval" not in picker["Content-Security-Policy"]
    assert "script-src 'self'" in picker["Content-Security-Policy"]


def test_every_answer_carries_the_policy_of_the_settings_even_after_they_change(
    client_for, operator, settings
):
    client = client_for(operator)
    policy = client.get(reverse("stations:pick"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "object-src 'none'" in policy
    api = Client().post("/api/v1/scans", {}, content_type="application/json")
    assert api.status_code == 401 and api["Content-Security-Policy"] == policy

    directives = {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"], "img-src": ["'self'"]}
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": directives}

    stricter = client.get(reverse("stations:pick"))["Content-Security-Policy"]
    assert "img-src 'self';" in stricter + ";" and "data:" not in stricter


def test_signed_in_pages_are_not_stored(client_for, supervisor):
    for url in (reverse("home"), reverse("parts:list"), reverse("dashboards:overview")):
        response = client_for(supervisor).get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"], url


def test_the_csrf_cookie_is_out_of_reach_of_scripts_and_htmx_still_posts(client_for, engineer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(engineer)

    page = client.get(reverse("parts:create"))
    cookie = client.cookies["csrftoken"]
    token = page.content.decode().split('"X-CSRFToken": "', 1)[1].split('"', 1)[0]
    posted = client.post(
        reverse("parts:create"),
        {"model_no": "M1", "part_no": "M1_Part", "_validate": "model_no"},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )

    assert cookie["httponly"] is True
    assert posted.status_code == 200


def test_every_cookie_is_secure_when_production_says_so(client, engineer, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True

    cookies = {}
    responses = [
        client.get(reverse("accounts:login")),
        client.post(reverse("accounts:login"), {"username": engineer.email, "password": PASSWORD}),
        client.get(reverse("parts:create")),
    ]
    for response in responses:
        cookies.update(response.cookies)

    assert {"sessionid", "csrftoken"} <= set(cookies)
    assert {name: bool(cookie["secure"]) for name, cookie in cookies.items()} == dict.fromkeys(
        cookies, True
    )


def test_production_mode_makes_session_and_csrf_cookies_secure_and_csrf_http_only():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.CSRF_COOKIE_HTTPONLY)",
        DEBUG="false",
        SECRET_KEY="k" * 20 + "a-long-random-production-secret-with-entropy-1234567890",
        ALLOWED_HOSTS="shopfloor.plant.example",
    )

    assert result.stdout.split()[-3:] == ["True", "True", "True"], result.stderr
