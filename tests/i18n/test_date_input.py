"""Dates are typed in the language's own format (and ISO), and a wrong one is refused with a
message naming its field."""

import datetime

import pytest
from django.utils import translation

from shopfloor.dashboards.forms import WindowForm
from shopfloor.operators.forms import QualificationGrantForm
from shopfloor.operators.models import Qualification, QualificationRule

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "start", "end"),
    [
        ("en", "2026-12-01", "2026-12-31"),
        ("es", "01/12/2026", "31/12/2026"),
        ("es", "2026-12-01", "31/12/26"),
        ("hi", "01-12-2026", "31/12/2026"),
    ],
)
def test_a_range_of_days_is_read_in_the_language_formats_and_iso(language, start, end):
    with translation.override(language):
        form = WindowForm({"start": start, "end": end})
        assert form.is_valid(), form.errors

    assert form.cleaned_data == {
        "start": datetime.date(2026, 12, 1),
        "end": datetime.date(2026, 12, 31),
    }


def test_a_date_that_is_no_date_is_refused_naming_the_field_and_how_to_type_it():
    with translation.override("es"):
        form = WindowForm({"start": "31/12/2026", "end": "2026-31-12"})
        form.is_valid()
        message = form.errors["end"][0]

    assert message.startswith("Hasta: «2026-31-12» no es una fecha. Escríbala como ")
    assert "start" not in form.errors


def test_a_us_order_typed_on_a_spanish_page_is_not_read_the_us_way():
    with translation.override("es"):
        form = WindowForm({"start": "12/01/2026", "end": "12/31/2026"})

        assert not form.is_valid()
        assert "end" in form.errors and "start" not in form.errors
        assert form.cleaned_data["start"] == datetime.date(2026, 1, 12)


@pytest.mark.parametrize(
    ("language", "shown", "input_format", "pattern"),
    [
        ("en", "2026-12-31", "%Y-%m-%d", "yyyy-mm-dd"),
        ("es", "31/12/2026", "%d/%m/%Y", "dd/mm/aaaa"),
        ("hi", "31-12-2026", "%d-%m-%Y", "दद-मम-वववव"),
    ],
)
def test_the_date_input_shows_the_date_in_the_language_format_with_its_calendar(
    language, shown, input_format, pattern
):
    with translation.override(language):
        html = str(QualificationGrantForm(initial={"expires_on": datetime.date(2026, 12, 31)}))

    assert f'value="{shown}"' in html
    assert f'data-date-picker="{input_format}"' in html
    assert f'placeholder="{pattern}"' in html
    assert 'type="date"' not in html


def test_a_qualification_granted_on_a_spanish_page_keeps_the_day_typed(
    client_for, make_user, station, ana
):
    boss = make_user("Supervisor", language="es")
    client = client_for(boss)
    rule = QualificationRule.objects.create(station=station)

    bad = client.post(
        "/operators/qualifications/grant/",
        {"user": ana.pk, "rule": rule.pk, "expires_on": "31/02/2099"},
    )
    assert bad.status_code == 200 and "«31/02/2099» no es una fecha" in bad.content.decode()
    assert not Qualification.objects.exists()

    good = client.post(
        "/operators/qualifications/grant/",
        {"user": ana.pk, "rule": rule.pk, "expires_on": "05/01/2099"},
    )

    assert good.status_code == 302
    assert Qualification.objects.get().expires_on == datetime.date(2099, 1, 5)
