"""The pages of stations and operators in Hindi and Spanish: each opens, in the reader's
language, for the roles that use it."""

import pytest

pytestmark = pytest.mark.django_db

PAGES = {
    # path: (the words of the page in Hindi, in Spanish)
    "/stations/pick/": ("अपना स्टेशन चुनें", "Elija su estación"),
    "/stations/manage/": ("नया स्टेशन", "Nueva estación"),
    "/stations/manage/new/": ("नया स्टेशन", "Nueva estación"),
    "/stations/defects/": ("डिफ़ेक्ट कारण", "Motivos de defecto"),
    "/stations/defects/new/": ("नया डिफ़ेक्ट कारण", "Nuevo motivo de defecto"),
    "/operators/devices/": ("यह डिवाइस और बैज साइन-इन", "Este dispositivo y el inicio de sesión"),
    "/operators/people/": ("ऑपरेटर: बैज और PIN", "Operadores: credenciales y PIN"),
    "/operators/qualifications/": ("कौन किसके लिए योग्य है", "Quién está calificado para qué"),
}


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("language", ["hi", "es"])
def test_a_page_opens_in_the_readers_language(client_for, admin_user, station, path, language):
    page = client_for(admin_user).get(path, headers={"Accept-Language": language})

    assert page.status_code == 200
    assert PAGES[path][0 if language == "hi" else 1] in page.content.decode()


@pytest.mark.parametrize("language, words", [("hi", "USID स्कैन करें"), ("es", "Escanear USID")])
def test_the_scan_screen_and_the_lock_screen_open_in_the_readers_language(
    device, station, ana, language, words
):
    lock = device.get("/operators/badge/", headers={"Accept-Language": language})
    device.post("/operators/badge/", {"code": "OP-ANA-0001"})
    screen = device.get(f"/stations/{station.pk}/", headers={"Accept-Language": language})

    said = {"hi": "अपना बैज स्कैन करें", "es": "Escanee su credencial"}[language]
    assert lock.status_code == 200 and said in lock.content.decode()
    assert screen.status_code == 200 and words in screen.content.decode()


@pytest.mark.parametrize("language, words", [("hi", "बैज वापस लें"), ("es", "Retirar la credencial")])
def test_an_operators_badge_page_opens_in_the_readers_language(
    client_for, admin_user, ana, language, words
):
    page = client_for(admin_user).get(
        f"/operators/people/{ana.pk}/", headers={"Accept-Language": language}
    )

    assert page.status_code == 200 and words in page.content.decode()
