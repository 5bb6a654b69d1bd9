"""Settings of the benchmark's gunicorn: the app's own, plus the floor view's URL."""

from shopfloor.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.floor"
