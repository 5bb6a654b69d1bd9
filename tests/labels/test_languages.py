"""The label pages and their refusals read in Hindi and Spanish for whoever asks."""

import pytest
from django.test import Client
from django.urls import reverse

from shopfloor.labels.models import LabelTemplate, SerialBatch
from shopfloor.labels.services import serial_batch_issue, serial_scheme_set
from tests.support.visible_text import english_leftovers

pytestmark = pytest.mark.django_db(transaction=True)

LABEL_TEMPLATES = "templates/labels/"


def signed_in(user, language):
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


@pytest.fixture
def batch(part, engineer):
    LabelTemplate.objects.create(
        part=part, name="Board", width_mm=60, height_mm=30, symbology="datamatrix"
    )
    serial_scheme_set(part=part, pattern="PWR-{seq:04}", user=engineer)
    return serial_batch_issue(part=part, count=4, user=engineer, work_run="WO-1")


@pytest.mark.parametrize(
    ("language", "numbering", "batch_summary", "printers"),
    [
        ("hi", "नंबरिंग सेव करें", "4 नंबर", "लेबल प्रिंटर"),
        ("es", "Guardar numeración", "4 números", "Impresoras de etiquetas"),
    ],
)
def test_the_label_pages_read_in_the_language_asked_for(
    part, engineer, batch, language, numbering, batch_summary, printers
):
    client = signed_in(engineer, language)

    part_page = client.get(reverse("labels:part", args=[part.pk])).content.decode()
    batch_page = client.get(batch.get_absolute_url()).content.decode()
    printers_page = client.get(reverse("labels:printers")).content.decode()

    assert numbering in part_page
    assert batch_summary in batch_page
    assert printers in printers_page
    for html in (part_page, batch_page, printers_page):
        assert english_leftovers(html, language, LABEL_TEMPLATES) == []


def test_a_bad_numbering_pattern_and_count_are_refused_in_spanish(part, engineer):
    client = signed_in(engineer, "es")

    bad = client.post(reverse("labels:scheme", args=[part.pk]), {"pattern": "PWR-{WEEK}-{seq:04}"})
    client.post(reverse("labels:scheme", args=[part.pk]), {"pattern": "PWR-{seq:04}"})
    issued = client.post(reverse("labels:issue", args=[part.pk]), {"count": "3"}, follow=True)

    assert "Marcador desconocido {WEEK}" in bad.content.decode()
    assert "Unknown token" not in bad.content.decode()
    assert SerialBatch.objects.count() == 1
    assert "Se emitieron 3 números: PWR-0001 a PWR-0003." in issued.content.decode()
