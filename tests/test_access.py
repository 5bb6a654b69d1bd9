"""Every URL pattern, walked with every role and signed out, answers as docs/permissions.md says.

The table there has a row per URL name (its ``path`` for an unnamed pattern) with the answer
to a GET and to a POST for each role. The walk reads the patterns from Django's resolver,
fills their parameters with real objects (a part with a procedure, a picture and a unit, a
station, a procedure version), sends each request in a transaction that is rolled back (so
one role's POST does not change what the next one sees), and compares. A URL without a row,
or a row without a URL, fails the test: the table has to grow with the app.

The Django admin's own pages share the row ``admin:*``: everyone but staff is sent to the
admin sign-in; an admin gets the page (or a redirect or 404 where the sample object does not
fit the page). Cells marked ``-`` are not walked (an admin posting Django's own admin forms).
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from parts.media import check_image
from parts.services import part_create
from procedures.services import procedure_apply
from shopfloor.accounts.roles import Role
from shopfloor.cfx.models import DeadLetter
from shopfloor.cfx.services import message_receive
from shopfloor.dashboards.displays import display_token_issue
from shopfloor.dashboards.export_jobs import export_start
from shopfloor.operators.models import QualificationRule
from shopfloor.stations.models import DefectReason, Station
from tests.cfx.messages import encoded, unit_result, units_tested
from tests.labels.support import label_world
from tests.parts.media_files import image_upload
from tests.stations.scan_support import PROCEDURE, scan

pytestmark = pytest.mark.django_db

TABLE = Path(__file__).resolve().parent.parent / "docs" / "permissions.md"
ROLES = ("signed out", "operator", "supervisor", "engineer", "admin")
METHODS = ("GET", "POST")
ADMIN_ROW = "admin:*"
NOT_WALKED = "-"


def table_rows():
    """{URL name: {role: (GET answer, POST answer)}} from the table in docs/permissions.md."""
    rows = {}
    lines = TABLE.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| URL name |"))
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        name = cells[0].strip("`")
        answers = [tuple(part.strip() for part in cell.split("/")) for cell in cells[2:]]
        assert len(answers) == len(ROLES), f"row {name}: one cell per role, GET / POST"
        rows[name] = dict(zip(ROLES, answers, strict=True))
    return rows


def url_patterns(patterns=None, prefix="", namespace=None):
    """(name, route, pattern) of every URL pattern; unnamed ones go by their route."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            if pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            else:
                name = route
            yield name, route, pattern


def row_of(name):
    if name in ("admin:login", "admin:logout") or name.startswith("admin/units"):
        return name
    if name.startswith("admin:") or name.startswith("admin/"):
        return ADMIN_ROW
    return name


@pytest.fixture
def world(engineer, settings, tmp_path):
    """Real objects for every URL parameter."""
    settings.MEDIA_ROOT = tmp_path
    part = part_create(
        created_by=engineer,
        model_no="EICS112",
        part_no="EICS112_Part",
        part_image=check_image(image_upload("part.png")),
    )
    procedure_apply(part=part, config=PROCEDURE, user=engineer)
    scan("U1", "smd", part_no=part.part_no)
    station = Station.objects.create(name="QC-1", line="Line A", stage="qc")
    unit = part.unit_model().objects.get(usid="U1")
    # The walked roles are other people: someone else's job is not found, for everyone.
    job = export_start(user=engineer, part=part, what="units", extension="csv")
    labels = label_world(part=part, engineer=engineer)
    rule = QualificationRule.objects.create(station=station, created_by=engineer)
    # A machine not mapped to a station yet: its message waits as a dead letter.
    message_receive(encoded(units_tested(unit_result("U1"), source="CFX.A00.AOI-3")))
    dead_letter = DeadLetter.objects.get()
    display, display_token = display_token_issue(name="Line A TV", page_seconds=15, user=engineer)
    return {
        "job_id": job.pk,
        "part_pk": part.pk,
        "pk": part.pk,
        "station_pk": station.pk,
        "defect_pk": DefectReason.objects.order_by("pk").first().pk,
        "user_pk": engineer.pk,
        "rule_pk": rule.pk,
        "usid": "U1",
        "version": 1,
        "action": "hold",
        "object_id": unit.pk,
        "path": part.part_image.name,
        "part_no": part.part_no,
        "rest": "no-such-endpoint",
        "url": "no-such-page/",
        "app_label": "parts",
        "content_type_id": 1,
        "id": 1,
        "what": "units",
        "extension": "csv",
        "cfx_endpoint_pk": dead_letter.message.endpoint_id,
        "dead_letter_pk": dead_letter.pk,
        "token": display_token,
        "display_pk": display.pk,
        **labels,
    }


def url_of(name, route, pattern, world):
    keys = set(pattern.pattern.regex.groupindex) | set(re.findall(r"<(?:\w+:)?(\w+)>", route))
    kwargs = {key: world[key] for key in keys}
    if "pk" in kwargs and name.startswith("stations:defect"):
        kwargs["pk"] = world["defect_pk"]
    elif "pk" in kwargs and name.startswith("stations:"):
        kwargs["pk"] = world["station_pk"]
    if "pk" in kwargs and name == "cfx:endpoint":
        kwargs["pk"] = world["cfx_endpoint_pk"]
    if "pk" in kwargs and name in ("cfx:dead-letter", "cfx:replay"):
        kwargs["pk"] = world["dead_letter_pk"]
    if "pk" in kwargs and name.startswith("dashboards:tv-display"):
        kwargs["pk"] = world["display_pk"]
    if name == route:  # unnamed: a catch-all (the API's, the admin's)
        return "/" + route.split("(?P")[0].replace("^", "") + world["rest"]
    return reverse(name, kwargs=kwargs)


def clients(make_user):
    users = {
        "operator": make_user(Role.OPERATOR),
        "supervisor": make_user(Role.SUPERVISOR),
        "engineer": make_user(Role.ENGINEER),
        "admin": make_user(superuser=True),
    }

    signed_in = {}

    def client_for(role):
        """The role's client, signed in again if the last request signed it out."""
        client = signed_in.setdefault(role, Client(raise_request_exception=False))
        cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
        if role in users and not (cookie and cookie.value):
            client.force_login(users[role])
        return client

    return client_for


def answer_of(response):
    """The answer as the table writes it: 200, 403, ..., or where a redirect goes."""
    if response.status_code != 302:
        return str(response.status_code)
    location = response["Location"]
    if location.startswith(reverse("admin:login")):
        return "→admin"
    if location.startswith(reverse("accounts:login")):
        return "→sign-in"
    return "→"


def send(client, method, url):
    with transaction.atomic():
        response = client.get(url) if method == "GET" else client.post(url, {})
        transaction.set_rollback(True)
    return answer_of(response)


def matches(expected, got):
    return got in expected.split(" or ")


def test_every_url_pattern_has_a_row_in_the_permission_table_and_no_row_is_stale():
    rows = set(table_rows())
    walked = {row_of(name) for name, _route, _pattern in url_patterns()}

    assert sorted(walked - rows) == [], "URL patterns without a row in docs/permissions.md"
    assert sorted(rows - walked) == [], "rows in docs/permissions.md without a URL pattern"


def test_every_url_answers_every_role_as_the_permission_table_says(world, make_user):
    rows = table_rows()
    client_for = clients(make_user)
    wrong = []
    for name, route, pattern in url_patterns():
        url = url_of(name, route, pattern, world)
        row = rows.get(row_of(name))
        if row is None:
            wrong.append(f"{url} ({name}) has no row")
            continue
        for role in ROLES:
            for method, expected in zip(METHODS, row[role], strict=True):
                if expected == NOT_WALKED:
                    continue
                got = send(client_for(role), method, url)
                if not matches(expected, got):
                    wrong.append(f"{method} {url} ({name}) as {role}: {got}, table says {expected}")

    assert wrong == [], "\n".join(wrong)


def test_every_page_of_the_walk_carries_the_strict_content_security_policy(world, make_user):
    client_for = clients(make_user)
    missing = []
    for name, route, pattern in url_patterns():
        url = url_of(name, route, pattern, world)
        for role in ("signed out", "operator", "engineer", "admin"):
            with transaction.atomic():
                response = client_for(role).get(url)
                transaction.set_rollback(True)
            if not response.get("Content-Type", "").startswith("text/html"):
                continue
            policy = response.get("Content-Security-Policy", "")
            directives = dict(
                [*part.split(" ", 1), ""][:2] for part in policy.replace("; ", ";").split(";")
            )
            if (
                directives.get("script-src", "").split()
                not in (
                    ["'self'"],
                    ["'self'", "'wasm-unsafe-eval'"],
                )
                or directives.get("style-src") != "'self'"
            ):
                missing.append(f"GET {url} ({name}) as {role}: {policy or 'no policy'}")

    assert missing == [], "\n".join(missing)
