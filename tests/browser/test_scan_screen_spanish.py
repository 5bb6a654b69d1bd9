"""The scan screen in Spanish, in Chromium: the words are Spanish, a measurement's limits are
written with a decimal comma, and a value typed with a decimal comma at a scanner's speed is
recorded exactly (checked through the scan API); text that could be read two ways is refused
on the screen, naming the field, until it is typed unambiguously."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from shopfloor.scanning.services import api_token_issue
from shopfloor.stations.models import Station
from tests.browser.test_scan_stage_data import console_error, expect_sent, wedge
from tests.stations.scan_support import part_with_procedure, scan, unit_of
from tests.stations.stage_data_support import TESTED_PROCEDURE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def spanish_page(browser, live_server, make_user, defect_reasons):
    part = part_with_procedure(make_user("Engineer"), "PSU_Part", TESTED_PROCEDURE)
    for usid in ("U1", "U2"):
        scan(usid, "smd", part_no=part.part_no)
    station = Station.objects.create(name="TEST-1", line="Line A", stage="testing")
    station.parts.set([part])
    signed_in = Client()
    signed_in.force_login(make_user("Operator"))
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="es-ES")
    host = live_server.url.split("//")[1].split(":")[0]
    session = signed_in.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "domain": host, "path": "/"}]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if console_error(m) else None)
    page.goto(f"{live_server.url}{station.get_absolute_url()}")
    expect(page.get_by_label("Escanear USID")).to_be_focused()
    page.part = part
    yield page
    context.close()
    assert errors == []


def test_a_decimal_comma_typed_at_scanner_speed_is_recorded_exactly(spanish_page):
    page = spanish_page
    token = api_token_issue(name="checker", may_read=True)[1]
    api = Client(headers={"Authorization": f"Bearer {token}"})

    wedge(page, "U1")
    voltage = page.get_by_label("1. Output voltage *")
    expect(voltage).to_be_focused()
    expect(page.get_by_test_id("stage-data")).to_contain_text("V · 4,75 a 5,25 V")
    expect(page.locator("#scan-stage-data-title")).to_have_text("Valores de U1")
    wedge(page, "5,01")
    for value in ("00:1A:2B", "2", ""):
        wedge(page, value)
    wedge(page, "U2")
    page.keyboard.type("5.010", delay=5)  # a thousand, or five? refused, not guessed
    page.keyboard.press("Enter")
    expect(voltage).to_have_class(re.compile("is-invalid"))
    expect(page.get_by_test_id("stage-data")).to_contain_text(
        "Output voltage: 5.010 se puede leer de dos formas"
    )
    page.keyboard.press("Control+A")
    wedge(page, "4.9")  # a decimal point is understood in every language
    for value in ("00:1A:2C", "", ""):
        wedge(page, value)

    expect_sent(page, 2)
    expect(page.get_by_test_id("scan-result")).to_contain_text("U2 registrado en TESTING: pasa.")
    expect(page.get_by_test_id("scan-log")).to_contain_text("Registrado")
    first = api.get("/api/v1/units/U1").json()
    second = api.get("/api/v1/units/U2").json()
    assert first["data"]["v_out"] == 5.01 and second["data"]["v_out"] == 4.9
    assert first["stages"][1]["result"] == "pass"
    assert unit_of(page.part, "U1")["f_v_out"] == Decimal("5.01")
