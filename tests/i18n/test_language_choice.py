"""Which language a person's pages are in: their own, else their station device's, else their
browser's, else English; set on My settings (or by an admin, or on the station's form)."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shopfloor.accounts.models import User
from shopfloor.dashboards.displays import display_token_issue
from shopfloor.jobs.models import Job, JobKind, JobState
from shopfloor.operators.station_sessions import DEVICE_COOKIE
from tests.conftest import PASSWORD
from tests.operators.conftest import BADGE_A, bind_device
from tests.test_errors import postgresql_only, unreachable_database

pytestmark = pytest.mark.django_db

# What the header says in each language (the link to My settings), and the page's own tag.
MY_SETTINGS = {"en": ">My settings<", "hi": ">मेरी सेटिंग्स<", "es": ">Mi configuración<"}
SIGN_IN = {
    "en": "Sign in to Shopfloor",
    "hi": "Shopfloor में साइन इन करें",
    "es": "Iniciar sesión en Shopfloor",
}


def language_of(response):
    page = response.content.decode()
    languages = [code for code, text in MY_SETTINGS.items() if text in page]
    languages += [code for code, text in SIGN_IN.items() if text in page]
    assert f'<html lang="{languages[0]}"' in page, page[:300]
    assert len(languages) == 1, languages
    return languages[0]


def password_sign_in(client, user):
    response = client.post("/accounts/sign-in/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def test_a_person_with_a_language_sees_their_pages_in_it(client, make_user):
    person = make_user("Supervisor", language="hi")

    password_sign_in(client, person)

    assert language_of(client.get("/")) == "hi"
    assert language_of(client.get("/jobs/")) == "hi"


def test_a_person_without_a_language_gets_the_browser_language_or_english(client, make_user):
    password_sign_in(client, make_user("Supervisor"))

    assert language_of(client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9"})) == "es"
    assert language_of(client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})) == "en"
    assert language_of(client.get("/")) == "en"


def test_the_sign_in_page_follows_the_browser_language(client):
    assert language_of(client.get("/accounts/sign-in/", headers={"Accept-Language": "hi"})) == "hi"
    assert language_of(client.get("/accounts/sign-in/", headers={"Accept-Language": "de"})) == "en"


@pytest.fixture
def spanish_station(station):
    station.language = "es"
    station.save()
    return station


def test_a_bound_station_device_shows_its_station_language_to_a_person_without_one(
    client, spanish_station, engineer, ana
):
    device = bind_device(client, spanish_station, engineer)
    hindi_browser = {"Accept-Language": "hi"}
    lock_screen = device.get("/operators/badge/", headers=hindi_browser)
    assert '<html lang="es"' in lock_screen.content.decode()

    device.post("/operators/badge/", {"code": BADGE_A})

    assert language_of(device.get("/", headers=hindi_browser)) == "es"


def test_a_person_with_a_language_overrides_the_station_language(
    client, spanish_station, engineer, ana
):
    User.objects.filter(pk=ana.pk).update(language="hi")
    device = bind_device(client, spanish_station, engineer)

    device.post("/operators/badge/", {"code": BADGE_A})
    scan_screen = device.get(f"/stations/{spanish_station.pk}/").content.decode()

    assert '<html lang="hi"' in scan_screen and ">साइन आउट<" in scan_screen
    # Signed out again, the device speaks its station's language.
    device.post("/operators/badge/lock/")
    assert '<html lang="es"' in device.get("/operators/badge/").content.decode()


def test_a_device_learns_its_station_language_change_on_its_next_page(client, station, engineer):
    device = bind_device(client, station, engineer)
    assert '<html lang="en"' in device.get("/operators/badge/").content.decode()

    station.language = "hi"
    station.save()
    told = device.get("/operators/badge/")  # reads the station: the cookie is issued again

    assert DEVICE_COOKIE in told.cookies
    assert '<html lang="hi"' in device.get("/operators/badge/").content.decode()


def test_choosing_the_language_reads_nothing_from_the_database(client, station, engineer, ana):
    device = bind_device(client, station, engineer)
    device.post("/operators/badge/", {"code": BADGE_A})

    with CaptureQueriesContext(connection) as captured:
        catalog = device.get("/jsi18n/")

    # The scripts' catalog reads only the session and the person (sign-in checks), no station.
    tables = sorted(q["sql"].split(" FROM ", 1)[1].split()[0].strip('"') for q in captured)
    assert catalog.status_code == 200
    assert "stations_station" not in tables, tables


def test_the_api_answers_in_the_browser_language_only(client_for, make_user, station, engineer):
    person = make_user("Operator", language="hi")
    client = client_for(person)

    answer = client.post(
        "/api/v1/scans", {}, content_type="application/json", headers={"Accept-Language": "es"}
    )

    assert answer["Content-Language"] == "es"
    assert answer.json()["error"]["code"]  # a stable code, whatever the language


def test_my_settings_saves_the_language_and_the_next_page_is_in_it(client, make_user):
    person = make_user("Operator")
    password_sign_in(client, person)
    assert "Language of my pages" in client.get("/accounts/settings/").content.decode()

    saved = client.post("/accounts/settings/", {"language": "es"}, follow=True)

    person.refresh_from_db()
    assert person.language == "es"
    assert language_of(saved) == "es" and "Su configuración se guardó." in saved.content.decode()
    # No preference again: the browser's language.
    client.post("/accounts/settings/", {"language": ""})
    assert language_of(client.get("/", headers={"Accept-Language": "hi"})) == "hi"


def test_my_settings_refuses_a_language_not_offered_and_saves_nothing(client, make_user):
    person = make_user("Engineer", language="hi")
    password_sign_in(client, person)

    refused = client.post("/accounts/settings/", {"language": "fr"})

    assert refused.status_code == 200
    assert "भाषा: fr दी गई भाषाओं में से नहीं है" in refused.content.decode()
    person.refresh_from_db()
    assert person.language == "hi"


def test_my_settings_needs_a_sign_in(client):
    answer = client.get("/accounts/settings/")

    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/sign-in/")
    assert client.post("/accounts/settings/", {"language": "es"}).status_code == 302


def test_an_operator_signed_in_by_badge_may_open_my_settings(client, station, engineer, ana):
    device = bind_device(client, station, engineer)
    device.post("/operators/badge/", {"code": BADGE_A})

    assert device.post("/accounts/settings/", {"language": "es"}).status_code == 302
    ana.refresh_from_db()
    assert ana.language == "es"
    assert '<html lang="es"' in device.get(f"/stations/{station.pk}/").content.decode()


def test_an_admin_sets_a_person_language_and_an_engineer_a_station_language(
    client_for, admin_user, engineer, ana, station
):
    admin_page = client_for(admin_user).get(f"/admin/accounts/user/{ana.pk}/change/")
    assert 'name="language"' in admin_page.content.decode()

    station_form = client_for(engineer).get(f"/stations/manage/{station.pk}/")
    assert station_form.status_code == 200
    assert '<select name="language"' in station_form.content.decode()


def test_dates_and_numbers_are_shown_in_the_language_formats(client, make_user):
    person = make_user("Supervisor", language="es")
    asked = timezone.make_aware(datetime.datetime(2026, 3, 4, 15, 30))
    job = Job.objects.create(
        kind=JobKind.EXPORT,
        label="Export",
        owner=person,
        task_path="x",
        state=JobState.DONE,
        rows_done=1234567,
    )
    Job.objects.filter(pk=job.pk).update(created_at=asked)
    password_sign_in(client, person)

    listed = client.get("/jobs/").content.decode()
    detail = client.get(f"/jobs/{job.pk}/").content.decode()

    assert "04/03/2026 15:30" in listed
    assert "1\xa0234\xa0567 filas" in detail

    # An admin sets Hindi: it applies from the next sign-in.
    User.objects.filter(pk=person.pk).update(language="hi")
    assert "04/03/2026 15:30" in client.get("/jobs/").content.decode()
    client.post("/accounts/sign-out/")
    password_sign_in(client, person)
    assert "04-03-2026 15:30:00" in client.get("/jobs/").content.decode()
    assert "12,34,567 पंक्तियाँ" in client.get(f"/jobs/{job.pk}/").content.decode()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_database_down_page_is_in_the_browser_language_and_says_so_in_the_page(make_user):
    client = Client(raise_request_exception=False)
    client.force_login(make_user("Operator", language="hi"))

    with unreachable_database():
        response = client.get("/parts/", headers={"Accept-Language": "es"})

    page = response.content.decode()
    assert response.status_code == 503
    assert '<html lang="es"' in page and "La base de datos no responde" in page


def test_the_line_tv_pages_are_tagged_with_the_browser_language_and_load_the_catalog(
    client, supervisor
):
    _token, raw = display_token_issue(name="Line A TV", page_seconds=15, user=supervisor)
    spanish = {"Accept-Language": "es"}

    tv = client.get(reverse("dashboards:tv", args=[raw]), headers=spanish).content.decode()
    refused = client.get(reverse("dashboards:tv", args=["tv_wrong"]), headers=spanish)

    assert '<html lang="es"' in tv and '<script src="/jsi18n/"></script>' in tv
    assert '<html lang="es"' in refused.content.decode()


def test_an_engineer_sets_the_station_language_and_its_device_shows_it(
    client, engineer, station, part
):
    device = bind_device(client, station, engineer)
    assert '<html lang="en"' in device.get("/operators/badge/").content.decode()
    office = Client()  # the engineer's own browser
    office.force_login(engineer)
    form = {
        "name": station.name,
        "line": station.line,
        "stage": station.stage,
        "parts": [part.pk],
        "language": "hi",
        "is_active": "on",
    }

    refused = office.post(reverse("stations:edit", args=[station.pk]), {**form, "language": "fr"})
    station.refresh_from_db()
    assert refused.status_code == 200 and station.language == ""
    saved = office.post(reverse("stations:edit", args=[station.pk]), form)

    assert saved.status_code == 302
    station.refresh_from_db()
    assert station.language == "hi"
    device.get("/operators/badge/")  # the device reads its station: its cookie is updated
    assert '<html lang="hi"' in device.get("/operators/badge/").content.decode()
