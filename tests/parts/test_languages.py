"""The part pages and their upload refusals read in Hindi and Spanish for whoever asks."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from parts.models import ModelPart
from tests.parts.media_files import stored_files
from tests.support.visible_text import english_leftovers

pytestmark = pytest.mark.django_db

PART_TEMPLATES = "templates/parts/"


@pytest.mark.parametrize(
    ("language", "heading", "button"),
    [("hi", "इमेज", "आर्काइव करें"), ("es", "Imágenes", "Archivar")],
)
def test_the_part_page_reads_in_the_language_asked_for(
    client_for, engineer, make_part, language, heading, button
):
    part = make_part()

    page = client_for(engineer).get(part.get_absolute_url(), headers={"accept-language": language})

    html = page.content.decode()
    assert f'<html lang="{language}"' in html
    assert f'<div class="card-header">{heading}</div>' in html
    assert button in html
    assert english_leftovers(html, language, PART_TEMPLATES) == []


@pytest.mark.parametrize(("language", "new_part"), [("hi", "नया पार्ट"), ("es", "Nueva parte")])
def test_the_part_list_and_form_read_in_the_language_asked_for(
    client_for, engineer, make_part, language, new_part
):
    make_part()
    client = client_for(engineer)

    listing = client.get(reverse("parts:list"), headers={"accept-language": language})
    form = client.get(reverse("parts:create"), headers={"accept-language": language})

    for page in (listing, form):
        html = page.content.decode()
        assert new_part in html
        assert english_leftovers(html, language, PART_TEMPLATES) == []


def test_a_text_file_named_png_is_refused_in_spanish_and_nothing_is_stored(
    client_for, engineer, media_root
):
    text = SimpleUploadedFile("board.png", b"Just a note, not a picture.\n", "image/png")
    data = {"model_no": "EICS112", "part_no": "EICS112_Part", "part_image": text}

    response = client_for(engineer).post(
        reverse("parts:create"), data, headers={"accept-language": "es"}
    )

    html = response.content.decode()
    assert "Este archivo no es una imagen JPEG, PNG o WebP" in html
    assert "not a JPEG, PNG or WebP image" not in html
    assert ModelPart.objects.count() == 0
    assert stored_files(media_root) == []
