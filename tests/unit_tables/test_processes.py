"""Every server process sees a schema change on its next request; none builds models at start."""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from parts.models import ModelPart
from procedures.services import procedure_apply
from tests.unit_tables.support import config, stage

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A real gunicorn server on the test database, in its own process."""

    def __init__(self, database_url, log_dir):
        self.port = free_port()
        self.log = open(log_dir / f"gunicorn-{self.port}.log", "w+")  # noqa: SIM115
        env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "DATABASE_URL": database_url,
            "DATABASE_CONN_MAX_AGE": "0",
            "DEBUG": "true",
            "SECRET_KEY": settings.SECRET_KEY,
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "shopfloor.wsgi:application",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def wait_until_up(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/accounts/sign-in/", timeout=2)
                return
            except OSError:
                assert self.process.poll() is None, self.output()
                time.sleep(0.2)
        raise AssertionError(f"server did not start: {self.output()}")

    def output(self):
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class Browser:
    """HTTP as a signed-in engineer: a session cookie made in the shared database, and CSRF."""

    def __init__(self, user):
        client = Client()
        client.force_login(user)
        self.csrf = secrets.token_hex(16)  # 32 letters and digits, as Django makes them
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.cookie = f"{settings.SESSION_COOKIE_NAME}={session}; csrftoken={self.csrf}"

    def call(self, server, path, body=None):
        request = urllib.request.Request(
            f"{server.url}{path}",
            data=None if body is None else json.dumps(body).encode(),
            headers={
                "Cookie": self.cookie,
                "X-CSRFToken": self.csrf,
                "Content-Type": "application/json",
            },
            method="GET" if body is None else "POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()[:2000]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two server processes need one shared database server; the SQLite test database "
    "is in-memory, private to the test process",
)
@pytest.mark.django_db(transaction=True)
def test_a_schema_change_made_through_one_server_is_used_by_another_at_once(engineer, tmp_path):
    part = ModelPart.objects.create(part_no="EICS112_Part", model_no="EICS112")
    procedure_apply(part=part, config=config(stage("smd"), stage("qc")), user=engineer)
    part.unit_model().objects.create(usid="U1", is_smd=True)
    database_url = "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict)
    servers = [Server(database_url, tmp_path), Server(database_url, tmp_path)]
    browser = Browser(engineer)
    try:
        for server in servers:
            server.wait_until_up()
        first, second = servers
        unit_url = f"/parts/{part.pk}/units/U1"
        for server in servers:  # both build the old model
            status, body = browser.call(server, unit_url)
            assert status == 200, body
            assert list(body["stages"]) == ["smd", "qc"] and body["fields"] == {}

        new = config(
            stage("smd"),
            stage("qc"),
            stage("testing"),
            fields=[{"key": "firmware", "label": "Firmware", "type": "text"}],
        )
        status, body = browser.call(
            first, f"/procedures/{part.pk}/apply", {"config": new, "expected_version": 1}
        )
        assert status == 200, body
        assert "f_firmware" in body["plan"]["added"]

        part.unit_model().objects.filter(usid="U1").update(f_firmware="2.1.0")
        status, body = browser.call(second, unit_url)
        assert status == 200, body
        assert body["fields"] == {"firmware": "2.1.0"}
        assert body["stages"]["testing"]["done"] is False
        status, body = browser.call(first, unit_url)
        assert body["fields"] == {"firmware": "2.1.0"}
        for server in servers:
            assert server.process.poll() is None  # no restart
            assert server.output().count("Booting worker") == 1, server.output()
    finally:
        for server in servers:
            server.stop()


def test_a_starting_process_builds_no_unit_model():
    code = (
        "import django; django.setup();"
        "from parts.unit_tables import cache;"
        "import shopfloor.urls, parts.unit_tables.admin;"
        "print(cache.cached_count())"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shopfloor.settings", "DEBUG": "true"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"
