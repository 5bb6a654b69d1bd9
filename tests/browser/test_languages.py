"""A person's pages in their language in Chromium, and a date picked in the page's calendar
(not the browser's: Chromium draws its own date input in the browser's language)."""

import calendar
import datetime
import re

import pytest
from playwright.sync_api import expect

from shopfloor.operators.models import Qualification, QualificationRule
from shopfloor.stations.models import Station
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MY_SETTINGS = {"en": "My settings", "hi": "मेरी सेटिंग्स", "es": "Mi configuración"}
CALENDAR_BUTTON = {
    "en": "Choose a date in the calendar",
    "hi": "कैलेंडर में तारीख चुनें",
    "es": "Elegir una fecha en el calendario",
}
INPUT_FORMAT = {"en": "%Y-%m-%d", "hi": "%d-%m-%Y", "es": "%d/%m/%Y"}
SPANISH_MONTHS = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]
ENGLISH_MONTHS = list(calendar.month_name)[1:]


def month_later(day):
    """The same day a month later, on the month's last day when it has no such day."""
    year, month = divmod(day.month, 12)
    first = datetime.date(day.year + year, month + 1, 1)
    following = datetime.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    last = (following - datetime.timedelta(days=1)).day
    return first.replace(day=min(day.day, last))


@pytest.mark.parametrize("language", ["en", "hi", "es"])
def test_a_supervisor_picks_a_date_in_the_calendar_of_their_language(
    sign_in_as, make_user, live_server, language
):
    boss = make_user("Supervisor", language=language)
    ana = make_user("Operator", full_name="Ana Lima")
    station = Station.objects.create(name="QC-1", line="Line A", stage="qc")
    QualificationRule.objects.create(station=station)

    page = sign_in_as(boss, PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_test_id("my-settings")).to_have_text(MY_SETTINGS[language])
    page.goto(f"{live_server.url}/operators/qualifications/")
    form = page.get_by_test_id("grant-form")
    form.locator("select[name=user]").select_option(str(ana.pk))
    form.locator("select[name=rule]").select_option(index=1)
    date_input = form.locator("input[name=expires_on]")
    expect(date_input).to_have_attribute("type", "text")

    form.get_by_role("button", name=CALENDAR_BUTTON[language]).click()
    calendar = form.get_by_role("dialog")
    expect(calendar).to_be_visible()
    today = datetime.date.fromisoformat(
        page.evaluate(
            "(() => { const d = new Date(); return d.getFullYear() + '-' + "
            "String(d.getMonth() + 1).padStart(2, '0') + '-' + "
            "String(d.getDate()).padStart(2, '0'); })()"
        )
    )
    page.keyboard.press("PageDown")  # next month
    page.keyboard.press("ArrowDown")  # a week later
    page.keyboard.press("ArrowRight")  # and a day
    picked = month_later(today) + datetime.timedelta(days=8)
    title = calendar.locator(".date-picker-title").inner_text()
    if language == "es":
        assert SPANISH_MONTHS[picked.month - 1] in title.lower(), title
    elif language == "hi":
        assert re.search("[\u0900-\u097f]", title) and str(picked.year) in title, title
    else:
        assert ENGLISH_MONTHS[picked.month - 1] in title, title
    page.keyboard.press("Enter")

    expect(calendar).to_have_count(0)
    expect(date_input).to_have_value(picked.strftime(INPUT_FORMAT[language]))
    expect(date_input).to_be_focused()
    form.locator("button[type=submit]").click()

    expect(page.get_by_test_id("qualified")).to_contain_text("Ana Lima")
    assert Qualification.objects.get().expires_on == picked


def test_the_calendar_closes_with_escape_and_reads_what_was_typed(
    sign_in_as, make_user, live_server
):
    boss = make_user("Supervisor", language="es")
    make_user("Operator")
    QualificationRule.objects.create(
        station=Station.objects.create(name="QC-1", line="Line A", stage="qc")
    )
    page = sign_in_as(boss, PASSWORD)
    page.goto(f"{live_server.url}/operators/qualifications/")
    date_input = page.locator("input[name=expires_on]")

    date_input.fill("15/03/2031")
    date_input.press("Alt+ArrowDown")
    calendar = page.get_by_role("dialog")

    expect(calendar.locator(".date-picker-title")).to_have_text(re.compile("marzo.*2031"))
    expect(calendar.locator("[aria-pressed=true]")).to_have_text("15")
    page.keyboard.press("Escape")
    expect(calendar).to_have_count(0)
    expect(date_input).to_have_value("15/03/2031")
    expect(date_input).to_be_focused()


@pytest.mark.parametrize("language", ["hi", "en"])
def test_hindi_pages_draw_their_letters_with_the_font_the_app_serves(
    sign_in_as, make_user, live_server, language
):
    """A station without a Hindi font still shows Hindi: the app's Devanagari face is fetched
    and used for Hindi text, and an English page never fetches it."""
    boss = make_user("Supervisor", language=language)
    page = sign_in_as(boss, PASSWORD)
    page.goto(f"{live_server.url}/dashboards/")
    page.wait_for_load_state("networkidle")
    faces = page.evaluate(
        """() => document.fonts.ready.then(() => Array.from(document.fonts)
            .filter(face => face.family.replace(/"/g, "") === "Shopfloor Devanagari")
            .map(face => face.status))"""
    )

    assert faces, "the page declares no Devanagari face"
    if language == "hi":
        assert "loaded" in faces
        uses_it = page.evaluate(
            """() => document.fonts.check('16px "Shopfloor Devanagari"', 'यूनिट')"""
        )
        assert uses_it
    else:
        assert "loaded" not in faces  # the unicode-range keeps English pages from fetching it
