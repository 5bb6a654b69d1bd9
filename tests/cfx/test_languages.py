"""The machines pages read in Hindi and Spanish for whoever asks."""

import pytest
from django.urls import reverse

from shopfloor.cfx.models import DeadLetter, Endpoint
from tests.cfx.test_pages import AOI, heard  # noqa: F401 (an unmapped AOI's message, a fixture)
from tests.support.visible_text import english_leftovers

pytestmark = pytest.mark.django_db

CFX_TEMPLATES = "templates/cfx/"


@pytest.mark.parametrize(
    ("language", "waiting", "not_mapped"),
    [("hi", "डेड लेटर: 1", "मैप नहीं"), ("es", "Mensajes no entregados: 1", "sin mapear")],
)
def test_the_machines_pages_read_in_the_language_asked_for(
    client_for,
    engineer,
    heard,  # noqa: F811
    language,
    waiting,
    not_mapped,
):
    client = client_for(engineer)
    endpoint = Endpoint.objects.get(handle=AOI)
    dead_letter = DeadLetter.objects.get()

    pages = [
        client.get(url, headers={"accept-language": language}).content.decode()
        for url in (
            reverse("cfx:endpoints"),
            endpoint.get_absolute_url(),
            reverse("cfx:dead-letters"),
            dead_letter.get_absolute_url(),
        )
    ]

    assert waiting in pages[0] and not_mapped in pages[0] and AOI in pages[0]
    for html in pages:
        assert english_leftovers(html, language, CFX_TEMPLATES) == []
