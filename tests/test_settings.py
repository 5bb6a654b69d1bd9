import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    full_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_mode_passes_the_deployment_check():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="k" * 20 + "a-long-random-production-secret-with-entropy-1234567890",
        ALLOWED_HOSTS="shopfloor.plant.example",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DEBUG="false", ALLOWED_HOSTS="shopfloor.plant.example")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_typo_in_a_boolean_setting_is_named():
    result = run_manage("check", DEBUG="ture")

    assert result.returncode != 0
    assert "DEBUG must be true or false, not 'ture'" in result.stderr


def test_whitenoise_serves_static_files_right_after_the_security_middleware():
    middleware = settings.MIDDLEWARE

    assert middleware.index("whitenoise.middleware.WhiteNoiseMiddleware") == 1
    assert middleware[0] == "django.middleware.security.SecurityMiddleware"


@pytest.mark.django_db
def test_static_files_are_served_by_the_app_to_anyone(client):
    response = client.get("/static/vendor/bootstrap/css/bootstrap.min.css")

    assert response.status_code == 200
    assert b"Bootstrap" in b"".join(response.streaming_content)


def test_no_template_loads_anything_from_the_internet():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for marker in ('src="http', "src='http", 'href="http', "href='http", "//cdn"):
            if marker in text:
                offenders.append(f"{path.relative_to(ROOT)}: {marker}")

    assert offenders == []
