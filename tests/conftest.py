import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.utils import translation

from parts.models import ModelPart
from shopfloor.accounts.models import User
from shopfloor.accounts.roles import Role, sync_role_groups

PASSWORD = "correct-horse-battery"


@pytest.fixture
def make_user(db):
    """Create a user holding the given role (or none); ``superuser=True`` for an admin."""

    def make(role=None, *, email=None, superuser=False, **extra):
        email = email or f"{(role or 'admin').lower()}-{User.objects.count()}@plant.example"
        if superuser:
            user = User.objects.create_superuser(email, PASSWORD, **extra)
        else:
            user = User.objects.create_user(email, PASSWORD, **extra)
        if role:
            if not Group.objects.filter(name=Role(role).value).exists():
                # A transactional test's flush empties the groups the migration made.
                sync_role_groups(apps)
            user.groups.add(Group.objects.get(name=Role(role).value))
        return user

    return make


@pytest.fixture
def engineer(make_user):
    return make_user(Role.ENGINEER)


@pytest.fixture
def operator(make_user):
    return make_user(Role.OPERATOR)


@pytest.fixture
def supervisor(make_user):
    return make_user(Role.SUPERVISOR)


@pytest.fixture
def admin_user(make_user):
    return make_user(superuser=True)


@pytest.fixture
def client_for(client):
    """A test client signed in as the given user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture(autouse=True)
def default_language_around_each_test():
    """A request leaves its language active in the test's thread: every test starts and ends in
    the default language, as a worker or a management command does."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def drop_unit_tables_after_each_test(request, django_db_blocker):
    """Unit tables are made at run time and the test database flush keeps them: drop them."""
    yield
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(
        request.fixturenames
    )
    if uses_db:
        from parts.unit_tables.testing import drop_all_unit_tables

        with django_db_blocker.unblock():
            drop_all_unit_tables()


@pytest.fixture
def make_part(db):
    def make(part_no="EICS112_Part", model_no="EICS112"):
        return ModelPart.objects.create(part_no=part_no, model_no=model_no)

    return make


@pytest.fixture
def part(make_part):
    return make_part()


@pytest.fixture
def apply(engineer):
    """Apply a procedure to a part through the service, as an engineer."""
    from procedures.services import procedure_apply

    def run(part, config, **kwargs):
        kwargs.setdefault("user", engineer)
        return procedure_apply(part=part, config=config, **kwargs)

    return run


@pytest.fixture
def defect_reasons(db):
    """The default defect reasons (a transactional test's flush empties what migrations made)."""
    from shopfloor.stations.defect_reasons import add_default_defect_reasons

    add_default_defect_reasons(apps)


@pytest.fixture(autouse=True)
def _fresh_scan_caches():
    """Tokens, part plans, part guesses and counted figures are kept per process; ids repeat
    between tests."""
    from django.core.cache import caches

    from shopfloor.scanning.plans import part_plan_cache_clear
    from shopfloor.scanning.rules import part_guesses_forget
    from shopfloor.scanning.tokens import token_cache_clear

    token_cache_clear()
    part_plan_cache_clear()
    part_guesses_forget()
    caches["dashboards"].clear()
    yield


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory):
    """A migrated SQLite database file, made once; tests that need one copy it."""
    from tests.support.servers import manage

    path = tmp_path_factory.mktemp("sqlite-template") / "shopfloor.sqlite3"
    result = manage("migrate", "--noinput", database_url=f"sqlite:///{path}")
    assert result.returncode == 0, result.stdout + result.stderr
    return path


@pytest.fixture
def shared_database(request, tmp_path, settings):
    """The test database as another process can reach it: its ``DATABASE_URL``.

    PostgreSQL's test database is already shared. SQLite's lives in this process's memory, so
    for the test the connection is moved to a fresh file copy (the in-memory one is kept open
    and comes back afterwards). Request it before any fixture that writes to the database.
    """
    import shutil

    from django.db import connection

    from tests.support.servers import database_url_of

    request.getfixturevalue("transactional_db")
    settings.EXPORT_ROOT = tmp_path / "exports"
    if connection.vendor == "postgresql":
        yield database_url_of(connection.settings_dict)
        return
    path = tmp_path / "shared.sqlite3"
    shutil.copyfile(request.getfixturevalue("migrated_sqlite_file"), path)
    in_memory, name = connection.connection, connection.settings_dict["NAME"]
    connection.connection = None
    connection.settings_dict["NAME"] = str(path)
    try:
        yield f"sqlite:///{path}"
    finally:
        from parts.unit_tables import cache

        cache.forget()
        if connection.connection is not None:
            connection.connection.close()
        connection.settings_dict["NAME"] = name
        connection.connection = in_memory


@pytest.fixture
def job_worker(shared_database, tmp_path):
    """Start real job workers (``manage.py jobs_worker``) on the shared test database: call
    with ``env`` for settings of their own; each is stopped after the test."""
    from tests.support.servers import JobWorker

    started = []

    def start(env=None, queues="*"):
        worker = JobWorker(database_url=shared_database, log_dir=tmp_path, queues=queues, env=env)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
