"""The scan screen without a browser: one view answers htmx with the partial, else the page."""

import io
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from shopfloor.accounts.middleware import EMAIL_BACKEND
from shopfloor.accounts.models import Session
from shopfloor.accounts.roles import Role
from shopfloor.stations.models import ScanEvent, ScanReceipt
from tests.stations.scan_support import part_with_procedure, scan, unit_of

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
# The migration that gave sessions their account column copies the sessions open before it.
sessions_copy = import_module(
    "shopfloor.accounts.migrations.0004_sessions_with_account"
).sessions_copy


@pytest.fixture
def part(engineer):
    return part_with_procedure(engineer)


@pytest.fixture
def screen(client_for, operator, make_station, part):
    station = make_station("SMD-1", "smd", parts=[part])
    client = client_for(operator)

    def post(code, **extra):
        response = client.post(
            f"/stations/{station.pk}/scan/", {"code": code, **extra}, headers=HTMX
        )
        assert response.status_code == 200
        return response.content.decode()

    post.station = station
    return post


def test_a_scan_answers_green_and_is_recorded_by_the_operator(screen, part, operator):
    body = screen("U1\r")

    assert "<html" not in body
    assert 'data-status="recorded"' in body and "U1 recorded at SMD: pass." in body
    event = ScanEvent.objects.get()
    assert (event.source, event.user, event.station) == ("screen", operator, screen.station)
    assert unit_of(part, "U1")["smd_by_id"] == operator.pk
    assert 'hx-swap-oob="true"' in body and "U1" in body.split('data-testid="recent-scans"')[1]


def test_a_repeat_answers_amber_and_a_bad_scan_red(screen):
    screen("U1")

    repeat = screen("U1")
    blank = screen("   ")
    control = screen("U2\x1d99")

    assert 'data-status="already_recorded"' in repeat
    assert 'data-status="refused"' in blank and "only spaces" in blank
    assert "GS (group separator) at position 3" in control
    assert ScanEvent.objects.count() == 1


def test_a_fail_without_a_defect_is_refused_and_with_one_is_recorded(screen, part):
    refused = screen("U1", result="fail")
    recorded = screen("U1", result="fail", defect="solder_bridge")

    assert "A failed unit needs a defect reason." in refused
    assert "U1 recorded at SMD: fail (Solder bridge)." in recorded
    assert unit_of(part, "U1")["on_hold"]


def test_a_station_pairing_tags_asks_for_the_tag_after_the_usid(screen, part):
    screen.station.pairs_tag = True
    screen.station.save()

    waiting = screen("U1")
    assert 'data-status="waiting"' in waiting and "Now scan the tag label of U1." in waiting
    assert 'name="pending_usid" value="U1"' in waiting
    assert not ScanEvent.objects.exists()

    paired = screen("T-55\r", pending_usid="U1")

    assert 'data-status="recorded"' in paired
    assert unit_of(part, "U1")["tag_no"] == "T-55"


def test_a_station_running_several_parts_registers_to_the_chosen_one(
    client_for, operator, make_station, engineer, part
):
    other = part_with_procedure(engineer, part_no="EICS200_Part")
    station = make_station("SMD-2", "smd", parts=[part, other])
    client = client_for(operator)

    page = client.get(station.get_absolute_url()).content.decode()
    client.post(f"/stations/{station.pk}/scan/", {"code": "U7", "part_no": other.part_no})

    assert 'name="part_no"' in page and "EICS200_Part" in page
    assert unit_of(other, "U7") is not None


def test_the_part_for_new_units_does_not_refuse_a_unit_already_registered(
    client_for, operator, make_station, engineer, part
):
    """The screen's part choice names the part of new units: a unit of another part the
    station runs is recorded, whatever part is chosen."""
    other = part_with_procedure(engineer, part_no="EICS200_Part")
    station = make_station("QC-2", "qc", parts=[part, other])
    scan("U8", "smd", part_no=part.part_no)
    client = client_for(operator)

    answer = client.post(
        f"/stations/{station.pk}/scan/",
        {"code": "U8", "part_no": other.part_no, "result": "pass", "scan_id": "p-1"},
        headers={"Accept": "application/json"},
    ).json()

    assert answer["status"] == "recorded", answer
    assert unit_of(part, "U8")["is_qc"] and unit_of(other, "U8") is None


def test_a_unit_of_a_part_the_station_does_not_run_is_refused(screen, engineer):
    other = part_with_procedure(engineer, part_no="EICS200_Part")
    from tests.stations.scan_support import scan

    scan("U9", "smd", part_no=other.part_no)

    body = screen("U9")

    assert "U9 belongs to part EICS200_Part, which station SMD-1 does not run." in body


def test_without_htmx_the_scan_answers_with_the_whole_page(client_for, operator, screen):
    response = client_for(operator).post(f"/stations/{screen.station.pk}/scan/", {"code": "U1"})

    assert "<html" in response.content.decode()
    assert "U1 recorded at SMD" in response.content.decode()


def test_the_part_picture_and_stage_instructions_are_one_tap_away(
    screen, part, client_for, operator
):
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(picture, "PNG")
    part.part_image.save("board.png", ContentFile(picture.getvalue()))

    page = client_for(operator).get(screen.station.get_absolute_url()).content.decode()

    assert 'data-bs-target="#help-pictures"' in page and part.part_image.url in page
    assert "Check solder joints under the scope." in page


def test_the_last_scans_at_a_done_stage_read_done_not_pass(
    client_for, operator, make_station, part
):
    assert scan("U1", "smd", part_no=part.part_no).status == "recorded"
    station = make_station("LEAD-1", "leaded", parts=[part])
    client = client_for(operator)

    body = client.post(f"/stations/{station.pk}/scan/", {"code": "U1"}, headers=HTMX)

    recent = body.content.decode().split('data-testid="recent-scans"')[1]
    assert "U1" in recent and ">done<" in recent and ">pass<" not in recent


def _queue_scan(client, station, usid, scan_id):
    """A scan as the screen's queue sends it: its form's fields, a scan_id, a JSON answer."""
    return client.post(
        f"/stations/{station.pk}/scan/",
        {"code": usid, "pending_usid": "", "result": "pass", "scan_id": scan_id},
        headers={"Accept": "application/json"},
    )


def test_a_queued_scan_reads_the_session_person_and_station_once_each(
    client_for, operator, make_station, part
):
    station = make_station("QC-1", "qc", parts=[part])
    for usid in ("U0", "U1"):
        scan(usid, "smd", part_no=part.part_no)
    client = client_for(operator)
    assert _queue_scan(client, station, "U0", "warm").json()["status"] == "recorded"

    with CaptureQueriesContext(connection) as captured:
        answer = _queue_scan(client, station, "U1", "s-1").json()

    assert answer["status"] == "recorded" and ScanReceipt.objects.count() == 2
    statements = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    # The session with the person signed in to it and their roles' permissions, and the
    # station with its parts and whether a qualification rule limits it, in one statement; no
    # read of the person or of the station of its own.
    assert 'FROM "accounts_session" s LEFT JOIN "accounts_user" u' in statements[0], statements[0]
    assert "auth_permission" in statements[0], statements[0]
    assert 'FROM "stations_station" s' in statements[0], statements[0]
    assert "operators_qualificationrule" in statements[0], statements[0]
    assert not any('FROM "accounts_user"' in sql for sql in statements[1:]), statements
    assert not any('FROM "stations_station"' in sql for sql in statements[1:]), statements
    # The receipt kept by the last statement: with the record of QC in one statement on
    # PostgreSQL, after it on SQLite.
    assert 'INSERT INTO "stations_scanreceipt"' in statements[-1], statements[-1]
    # Between them only the record of QC, which checks the unit's registration to the part
    # the warm-up scan was of (three statements with the receipt on SQLite), so no statement
    # creeps back unnoticed.
    assert (
        "stations_unitregistration" in statements[-1 if connection.vendor == "postgresql" else -3]
    )
    assert len(statements) == (2 if connection.vendor == "postgresql" else 4), statements


def test_an_operator_whose_role_is_taken_away_is_refused_from_the_next_scan(
    client_for, operator, make_station, part
):
    station = make_station("SMD-1", "smd", parts=[part])
    client = client_for(operator)
    assert _queue_scan(client, station, "U1", "s-1").json()["status"] == "recorded"

    operator.groups.remove(Group.objects.get(name=Role.OPERATOR.value))

    assert _queue_scan(client, station, "U2", "s-2").status_code == 403
    assert list(ScanEvent.objects.values_list("usid", flat=True)) == ["U1"]


def _refused_and_nothing_recorded(answer, recorded):
    """The queued scan was not recorded: the screen is sent to sign in (or refused), and the
    scans on record are still ``recorded``."""
    assert answer.status_code in (302, 403) or answer.json()["status"] == "refused", answer
    assert list(ScanEvent.objects.values_list("usid", flat=True)) == recorded


def test_signing_out_in_another_tab_refuses_the_next_queued_scan(
    client_for, operator, make_station, part
):
    station = make_station("SMD-1", "smd", parts=[part])
    client = client_for(operator)
    assert _queue_scan(client, station, "U1", "s-1").json()["status"] == "recorded"
    other_tab = Client()
    other_tab.cookies = client.cookies

    assert other_tab.post(reverse("accounts:logout")).status_code == 302

    answer = _queue_scan(client, station, "U2", "s-2")
    assert answer.status_code == 302 and answer.url.startswith(reverse("accounts:login"))
    _refused_and_nothing_recorded(answer, ["U1"])


def test_a_password_changed_elsewhere_refuses_the_next_queued_scan(
    client_for, operator, make_station, part
):
    station = make_station("SMD-1", "smd", parts=[part])
    client = client_for(operator)
    assert _queue_scan(client, station, "U1", "s-1").json()["status"] == "recorded"

    operator.set_password("a-new-password-set-elsewhere")
    operator.save()

    _refused_and_nothing_recorded(_queue_scan(client, station, "U2", "s-2"), ["U1"])
    # The session whose hash no longer holds is ended, not merely refused once.
    assert not Session.objects.filter(account=operator).exists()


def test_a_new_secret_key_keeps_the_screen_scanning_only_with_the_old_one_as_fallback(
    client_for, operator, make_station, part, settings
):
    station = make_station("SMD-1", "smd", parts=[part])
    client = client_for(operator)
    old_key = settings.SECRET_KEY
    assert _queue_scan(client, station, "U1", "s-1").json()["status"] == "recorded"

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-key-" + "k" * 50, [old_key]
    # The session's auth hash, made with the old key, is renewed with the new one.
    assert _queue_scan(client, station, "U2", "s-2").json()["status"] == "recorded"

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "another-key-" + "k" * 50, []
    answer = _queue_scan(client, station, "U3", "s-3")
    assert answer.status_code in (302, 403) or answer.json()["status"] == "refused", answer
    assert sorted(ScanEvent.objects.values_list("usid", flat=True)) == ["U1", "U2"]


def test_a_disabled_account_is_refused_from_the_next_queued_scan(
    client_for, operator, make_station, part
):
    station = make_station("SMD-1", "smd", parts=[part])
    client = client_for(operator)
    assert _queue_scan(client, station, "U1", "s-1").json()["status"] == "recorded"

    type(operator).objects.filter(pk=operator.pk).update(is_active=False)

    _refused_and_nothing_recorded(_queue_scan(client, station, "U2", "s-2"), ["U1"])


def test_a_station_taken_out_of_use_refuses_the_next_queued_scan(
    client_for, operator, make_station, part
):
    station = make_station("SMD-1", "smd", parts=[part])
    client = client_for(operator)
    assert _queue_scan(client, station, "U1", "s-1").json()["status"] == "recorded"

    type(station).objects.filter(pk=station.pk).update(is_active=False)

    _refused_and_nothing_recorded(_queue_scan(client, station, "U2", "s-2"), ["U1"])


def test_a_session_opened_before_sessions_carried_their_account_keeps_scanning(
    operator, make_station, part
):
    station = make_station("SMD-1", "smd", parts=[part])
    old_store = DjangoSessionStore()
    old_store.update(
        {SESSION_KEY: str(operator.pk), BACKEND_SESSION_KEY: EMAIL_BACKEND}
        | {HASH_SESSION_KEY: operator.get_session_auth_hash()}
    )
    old_store.create()
    sessions_copy(django_apps, SimpleNamespace(connection=connection))
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = old_store.session_key

    assert _queue_scan(client, station, "U1", "s-1").json()["status"] == "recorded"
    assert Session.objects.get(session_key=old_store.session_key).account == operator
