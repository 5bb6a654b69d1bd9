"""The procedure editor in Chromium set to Spanish: its words, its inline refusals and its
scripts' words come in Spanish; what the engineer typed stays as typed."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from parts.models import ModelPart
from tests.browser.conftest import pages_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEAVE_WARNING = "Your draft of the procedure is not saved. Leave the page and lose it?"


@pytest.fixture
def spanish_page(browser, live_server, engineer):
    """A signed-in engineer's page in a browser whose language is Spanish (Accept-Language)."""
    client = Client()
    client.force_login(engineer)
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="es-ES")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    yield from pages_of(context)


def test_a_spanish_engineer_builds_a_stage_and_is_told_what_is_wrong_in_spanish(
    spanish_page, live_server
):
    part = ModelPart.objects.create(model_no="EICS112", part_no="EICS112_Part")
    page = spanish_page
    page.goto(f"{live_server.url}/procedures/{part.pk}/edit/")

    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Procedimiento de EICS112_Part")
    page.get_by_label("Etapa del catálogo").select_option("smd")
    page.get_by_role("button", name="Agregar etapa", exact=True).click()
    expect(page.get_by_test_id("stage-0")).to_contain_text("SMD")
    page.get_by_role("button", name="Agregar etapa personalizada").click()
    custom = page.get_by_test_id("stage-1")
    expect(custom.get_by_test_id("stage-title")).to_have_text("Etapa nueva")
    custom.get_by_label("Etiqueta", exact=True).fill("Quemado")
    custom.get_by_label("Clave").fill("Burn In")

    expect(custom.get_by_test_id("row-errors")).to_contain_text(
        'Clave: "Burn In" no puede ser una clave'
    )
    expect(page.get_by_role("button", name="Guardar procedimiento")).to_be_disabled()
    expect(custom.get_by_role("button", name="Subir")).to_be_enabled()
    assert page.evaluate("text => gettext(text)", LEAVE_WARNING) == (
        "Su borrador del procedimiento no está guardado. ¿Salir de la página y perderlo?"
    )

    custom.get_by_label("Clave").fill("burn_in")
    expect(custom.get_by_test_id("row-errors")).to_be_empty()
    page.get_by_role("button", name="Guardar procedimiento").click()
    expect(page.get_by_test_id("notice")).to_have_text("Se guardó la versión 1 del procedimiento.")
    assert [stage["label"] for stage in part.procedure.procedure_config["stages"]] == [
        "SMD",
        "Quemado",
    ]
