"""The trace page, its refusals and the unit's components read in Hindi and Spanish."""

import pytest

from tests.genealogy.test_trace import line  # noqa: F401 (the traced line, a fixture)
from tests.support.visible_text import english_leftovers

pytestmark = pytest.mark.django_db(transaction=True)

GENEALOGY_TEMPLATES = "templates/genealogy/"


@pytest.mark.parametrize(
    ("language", "holding", "export"),
    [
        ("hi", "LOT-P वाली यूनिट", "रिकॉल लिस्ट एक्सपोर्ट करें (CSV)"),
        ("es", "Unidades que contienen LOT-P", "Exportar lista de retiro (CSV)"),
    ],
)
def test_the_trace_page_reads_in_the_language_asked_for(
    client_for,
    engineer,
    line,  # noqa: F811
    language,
    holding,
    export,
):
    client = client_for(engineer)

    by_lot = client.get("/genealogy/trace/?lot=LOT-P", headers={"accept-language": language})
    by_unit = client.get("/genealogy/trace/?usid=CAB-1", headers={"accept-language": language})

    lot_html, unit_html = by_lot.content.decode(), by_unit.content.decode()
    assert holding in lot_html and export in lot_html
    assert 'href="/dashboards/units/CAB-1/"' in lot_html
    for html in (lot_html, unit_html):
        assert english_leftovers(html, language, GENEALOGY_TEMPLATES) == []


def test_an_unknown_unit_is_named_in_spanish_on_the_trace_page(client_for, engineer, line):  # noqa: F811
    page = client_for(engineer).get(
        "/genealogy/trace/?usid=NOPE-1", headers={"accept-language": "es"}
    )

    assert page.status_code == 400
    assert "NOPE-1 no está registrado." in page.content.decode()
    assert "is not registered" not in page.content.decode()


def test_a_refused_repair_names_its_fields_in_hindi(client_for, supervisor, line):  # noqa: F811
    page = client_for(supervisor).post(
        "/genealogy/units/C-1/repair/",
        {"component": "psu", "new_code": "P-9", "reason": ""},
        headers={"accept-language": "hi"},
    )

    html = page.content.decode()
    assert "<strong>कारण</strong>: बताएँ कि कंपोनेंट क्यों बदला जा रहा है।" in html
    assert english_leftovers(html, "hi", GENEALOGY_TEMPLATES) == []
