"""Real servers for tests and benchmarks: gunicorn serving the app, a private PostgreSQL cluster
that may be restarted at will, and HTTP as a signed-in person (session cookie and CSRF).

Gunicorn runs the app in production mode (``DEBUG`` off, static files collected once per test
session and served by WhiteNoise), the way a plant runs it; only HTTPS is off, since there is
no TLS-terminating proxy in front of it here.
"""

import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.utils.crypto import get_random_string

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
_collected_static = None


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url_of(settings_dict):
    """The ``DATABASE_URL`` of a Django connection's settings (PostgreSQL)."""
    return (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )


def collected_static():
    """A STATIC_ROOT holding ``collectstatic``'s output, made once per process."""
    global _collected_static
    if _collected_static is None:
        target = tempfile.mkdtemp(prefix="shopfloor-static-")
        result = manage(
            "collectstatic", "--noinput", env={"STATIC_ROOT": target}, database_url=None
        )
        assert result.returncode == 0, result.stdout + result.stderr
        _collected_static = target
    return _collected_static


def _server_env(database_url, extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_TEST_NAME", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="shopfloor.settings",
        DEBUG="false",
        # The test process's key: sessions it makes (``SignedIn``) are valid on the server.
        SECRET_KEY=settings.SECRET_KEY,
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="ERROR",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra or {})
    return env


def manage(*args, database_url=None, env=None, timeout=300):
    """Run ``manage.py`` in production mode on ``database_url``; the CompletedProcess."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_server_env(database_url, env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class Gunicorn:
    """The app under gunicorn (sync workers) on ``database_url``, logging to ``log_dir``.

    ``pages=True`` collects the static files first (once per process), which rendering a page
    needs in production mode; the scan API alone does not.
    """

    def __init__(
        self, *, database_url, log_dir, workers=2, env=None, timeout=30, name="app", pages=False
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_dir) / f"gunicorn-{name}-{self.port}.log"
        self._log = open(self.log_path, "w+")  # noqa: SIM115 (closed in stop)
        static_root = collected_static() if pages else tempfile.mkdtemp(prefix="no-static-")
        extra = {"STATIC_ROOT": static_root, **(env or {})}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "shopfloor.wsgi:application",
                f"--workers={workers}",
                f"--bind=127.0.0.1:{self.port}",
                f"--timeout={timeout}",
                "--graceful-timeout=5",
                "--backlog=512",
                "--log-level=warning",
            ],
            cwd=ROOT,
            env=_server_env(database_url, extra),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.workers = workers
        self._wait_until_up()

    def _wait_until_up(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start:\n{self.output()}")
            try:
                status, _body = http_request(self.url, "GET", "/api/v1/", timeout=2)
            except OSError:
                time.sleep(0.2)
                continue
            if status == 404 and len(self.worker_pids()) == self.workers:
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not come up:\n{self.output()}")

    def worker_pids(self):
        """The pids of the master's worker processes (from /proc)."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid and fields[0] != "Z":
                pids.append(int(stat.parent.name))
        return sorted(pids)

    def kill_worker(self, pid):
        os.kill(pid, signal.SIGKILL)

    def output(self):
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def server_errors(self):
        """Lines of the log that report a server error (a 500 or an unhandled exception)."""
        return [
            line
            for line in self.output().splitlines()
            if re.search(r"Internal Server Error|Traceback|ERROR django", line)
        ]

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()


def http_request(base_url, method, path, *, body=None, headers=None, timeout=30):
    """One request on a new connection: (status, body bytes)."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class ApiConnection:
    """A keep-alive connection to the scan API with a bearer token, as a station holds one."""

    def __init__(self, url, token):
        host, port = url.removeprefix("http://").split(":")
        self.http = http.client.HTTPConnection(host, int(port), timeout=60)
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def send(self, method, path, body=None):
        """(status, JSON answer, seconds); status None and the error text on a transport error
        or an answer that is not JSON."""
        started = time.perf_counter()
        try:
            self.http.request(
                method,
                path,
                body=None if body is None else json.dumps(body),
                headers=self.headers,
            )
            response = self.http.getresponse()
            raw = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            self.http.close()
            return None, f"{type(error).__name__}: {error}", time.perf_counter() - started
        elapsed = time.perf_counter() - started
        try:
            return status, json.loads(raw), elapsed
        except ValueError:
            return None, f"{status} not JSON: {raw[:200]!r}", elapsed


class SignedIn:
    """HTTP as a signed-in person: the session of ``user`` made in the shared database, and a
    CSRF cookie with its header, as a browser sends them."""

    def __init__(self, user):
        from django.test import Client

        client = Client()
        client.force_login(user)
        self.session = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.csrf = get_random_string(32)  # the letters and digits Django accepts
        self.cookie = (
            f"{settings.SESSION_COOKIE_NAME}={self.session}; "
            f"{settings.CSRF_COOKIE_NAME}={self.csrf}"
        )

    def headers(self, **extra):
        return {"Cookie": self.cookie, "X-CSRFToken": self.csrf, **extra}

    def get(self, server, path, **headers):
        return http_request(server.url, "GET", path, headers=self.headers(**headers))

    def post_json(self, server, path, data):
        status, body = http_request(
            server.url,
            "POST",
            path,
            body=json.dumps(data).encode(),
            headers=self.headers(**{"Content-Type": "application/json"}),
        )
        return status, body

    def post_form(self, server, path, fields, files=None, **headers):
        """A form post (multipart when ``files`` maps names to (filename, bytes, type))."""
        if files:
            body, content_type = multipart_body(fields, files)
        else:
            body, content_type = urlencode(fields).encode(), "application/x-www-form-urlencoded"
        return http_request(
            server.url,
            "POST",
            path,
            body=body,
            headers=self.headers(**{"Content-Type": content_type, **headers}),
            timeout=60,
        )


def multipart_body(fields, files):
    boundary = f"----shopfloor{secrets.token_hex(12)}"
    lines = []
    for name, value in fields.items():
        lines += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{name}"'.encode(),
            b"",
            str(value).encode(),
        ]
    for name, (filename, content, content_type) in files.items():
        lines += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{name}"; filename="{filename}"'.encode(),
            f"Content-Type: {content_type}".encode(),
            b"",
            content,
        ]
    lines += [f"--{boundary}--".encode(), b""]
    return b"\r\n".join(lines), f"multipart/form-data; boundary={boundary}"


class PrivatePostgres:
    """A throwaway PostgreSQL cluster of our own (run as the ``postgres`` system user), on a
    free port in a temporary directory: it may be stopped and restarted without disturbing
    anyone else's database server. ``url`` is its ``DATABASE_URL``; ``close()`` removes it."""

    def __init__(self, database="shopfloor"):
        self.directory = Path(tempfile.mkdtemp(prefix="shopfloor-pg-"))
        shutil.chown(self.directory, "postgres")
        self.data = self.directory / "data"
        self.port = free_port()
        self.database = database
        self.url = f"postgres://root@127.0.0.1:{self.port}/{database}"
        self._as_postgres(
            PG_BIN / "initdb", "-D", self.data, "-A", "trust", "-U", "root", "--no-sync"
        )
        self.start()
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "root", database],
            check=True,
            capture_output=True,
        )

    @staticmethod
    def available():
        return (PG_BIN / "initdb").exists() and os.geteuid() == 0 and shutil.which("runuser")

    def _as_postgres(self, *command):
        result = subprocess.run(
            ["runuser", "-u", "postgres", "--", *map(str, command)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode:
            raise RuntimeError(f"{command[0]} failed:\n{result.stdout}{result.stderr}")
        return result

    def _pg_ctl(self, *args):
        return self._as_postgres(PG_BIN / "pg_ctl", "-D", self.data, *args)

    def start(self):
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=on -c max_connections=100"
        )
        self._pg_ctl("-o", options, "-l", self.directory / "server.log", "-w", "start")

    def stop(self):
        self._pg_ctl("-m", "fast", "-w", "stop")

    def close(self):
        with contextlib.suppress(RuntimeError):
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


class ManageProcess:
    """A real ``manage.py`` command run as its own process on ``database_url``, its output kept
    in a log file under ``log_dir``. ``kill()`` sends SIGKILL; ``stop()`` asks it to end."""

    def __init__(self, args, *, database_url, log_dir, name, env):
        self.log_path = Path(log_dir) / f"{name}-{secrets.token_hex(4)}.log"
        self._log = open(self.log_path, "w+")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=_server_env(database_url, env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def output(self):
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()


class JobWorker(ManageProcess):
    """``manage.py jobs_worker`` (django-tasks' database worker) on ``database_url``: a real
    process taking jobs from the queue, logging to ``log_dir``."""

    def __init__(self, *, database_url, log_dir, queues="*", env=None, name="worker", nice=None):
        super().__init__(
            [
                "jobs_worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval=0.1",
                f"--queue-name={queues}",
                *([f"--nice={nice}"] if nice else []),
            ],
            database_url=database_url,
            log_dir=log_dir,
            name=name,
            env={
                "LOG_LEVEL": "WARNING",
                "EXPORT_ROOT": str(settings.EXPORT_ROOT),
                "EXPORTS_PER_USER": str(settings.EXPORTS_PER_USER),
                "EXPORTS_AT_ONCE": str(settings.EXPORTS_AT_ONCE),
                **(env or {}),
            },
        )
