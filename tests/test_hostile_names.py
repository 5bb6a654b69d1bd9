"""A corpus of nasty names (SQL, quotes, markup, unicode, control characters, 10,000 characters)
typed into every place that takes a name: never a 500. A name that breaks a rule is refused
with a message naming what is wrong and nothing is written; a name that is merely unusual
(quotes, SQL words, non-Latin letters) is kept exactly as typed and shown escaped."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from parts.models import ModelPart
from procedures.models import PartProcedureDetail
from shopfloor.accounts.roles import Role
from shopfloor.stations.models import Station
from tests.stations.scan_support import PROCEDURE, part_with_procedure
from tests.support.hostile import NASTY_NAMES

pytestmark = pytest.mark.django_db

REQUIRED = "This field is required"
# Why each refused name is refused, as the message says it. Every other name is accepted.
REFUSED = {
    "\x00": "Null characters are not allowed",
    "U1\x00": "Null characters are not allowed",
    "\u202egnp.exe": "RIGHT-TO-LEFT OVERRIDE at position 1",
    "zero\u200bwidth": "ZERO WIDTH SPACE at position 5",
    "\ufeffBOM": "ZERO WIDTH NO-BREAK SPACE at position 1",
    "\t \n": REQUIRED,
    " ": REQUIRED,
    "": REQUIRED,
}
# Lone surrogates cannot be sent in a form at all (they are not UTF-8); the scan API fuzzing
# sends them as JSON escapes.
FORM_NAMES = [name for name in NASTY_NAMES if not any(0xD800 <= ord(c) < 0xE000 for c in name)]


def refusal(name, max_length):
    if name in REFUSED:
        return REFUSED[name]
    if len(name.strip()) > max_length:
        return f"at most {max_length} characters (it has {len(name.strip())})"
    return None


def assert_shown_escaped(page, name):
    if "<" in name:
        assert name not in page
    assert escape(name.strip()) in page


@pytest.mark.parametrize("field", ["part_no", "model_no"])
def test_a_nasty_part_or_model_no_is_refused_clearly_or_kept_exactly(client_for, engineer, field):
    client = client_for(engineer)
    max_length = ModelPart._meta.get_field(field).max_length
    for index, name in enumerate(FORM_NAMES):
        data = {"model_no": "EICS112", "part_no": f"P{index}", field: name}
        before = ModelPart.objects.count()

        response = client.post(reverse("parts:create"), data)

        words = refusal(name, max_length)
        if words:
            assert response.status_code == 200, name
            assert words in " ".join(response.context["form"].errors[field]), name
            assert ModelPart.objects.count() == before, name
        else:
            part = ModelPart.objects.latest("pk")
            assert response.status_code == 302, name
            assert getattr(part, field) == name.strip()
            assert_shown_escaped(client.get(part.get_absolute_url()).content.decode(), name)
    accepted = [name for name in FORM_NAMES if not refusal(name, max_length)]
    assert ModelPart.objects.count() == len(accepted)
    assert_shown_escaped(client.get(reverse("parts:list")).content.decode(), accepted[0])


def test_a_nasty_station_name_is_refused_clearly_or_kept_exactly(client_for, engineer):
    part_with_procedure(engineer)  # a part with the stage qc the stations scan
    client = client_for(engineer)
    max_length = Station._meta.get_field("name").max_length
    for name in FORM_NAMES:
        before = Station.objects.count()

        response = client.post(
            reverse("stations:create"), {"name": name, "line": "Line A", "stage": "qc"}
        )

        words = refusal(name, max_length)
        if words:
            assert response.status_code == 200, name
            assert words in " ".join(response.context["form"].errors["name"]), name
            assert Station.objects.count() == before, name
        else:
            assert response.status_code == 302, name
            assert Station.objects.latest("pk").name == name.strip(), name
    page = client.get(reverse("stations:manage")).content.decode()
    for name in FORM_NAMES:
        if not refusal(name, max_length):
            assert_shown_escaped(page, name)


def test_a_nasty_usid_typed_into_the_unit_lookup_gets_an_answer(client_for, supervisor):
    client = client_for(supervisor)
    for name in FORM_NAMES:
        response = client.get(reverse("dashboards:unit-lookup"), {"usid": name}, follow=True)

        page = response.content.decode()
        if "\x00" in name:  # refused before any view: tests/test_hostile_requests.py
            assert response.status_code == 400 and "NUL" in page, name
            continue
        assert response.status_code in (200, 404), name
        assert "is not registered" in page or "USID" in page, name


def test_nasty_filters_on_a_part_dashboard_get_an_answer(client_for, supervisor, engineer):
    part = part_with_procedure(engineer)
    client = client_for(supervisor)
    url = reverse("dashboards:part", args=[part.pk])
    odd = ["\x00", "x" * 10_000, "<script>alert(1)</script>", "99999999999999999999999", "-1"]
    tries = [("q", name) for name in FORM_NAMES] + [
        (field, value)
        for field in ("stage", "state", "before", "start", "end", "held")
        for value in [*odd, "2024-02-30"]
    ]
    for field, value in tries:
        response = client.get(url, {"end": "2024-01-01", field: value})

        assert response.status_code in (200, 400), (field, value)


def test_a_nasty_email_at_sign_in_is_refused_clearly(client, make_user):
    make_user(Role.OPERATOR, email="operator@plant.example")
    for name in FORM_NAMES:
        response = client.post(reverse("accounts:login"), {"username": name, "password": "x"})

        assert response.status_code == 200, name
        assert response.context["form"].errors, name
        assert "_auth_user_id" not in client.session


def test_a_nasty_stage_label_is_refused_naming_the_entry_or_kept_exactly(client_for, engineer):
    part = part_with_procedure(engineer)
    client = client_for(engineer)
    version = 1
    for name in NASTY_NAMES:
        stages = [dict(stage) for stage in PROCEDURE["stages"]]
        stages[2]["label"] = name
        config = {**PROCEDURE, "stages": stages}

        response = client.post(
            f"/procedures/{part.pk}/apply",
            {"config": config, "expected_version": version},
            content_type="application/json",
        )

        saved = PartProcedureDetail.objects.get(model_part=part)
        if response.status_code == 400:
            messages = " ".join(response.json()["error"]["messages"])
            assert messages.startswith("stages[2].label: "), (name, messages)
            assert saved.version == version
        else:
            assert response.status_code == 200, (name, response.content[:500])
            assert saved.procedure_config["stages"][2]["label"] == name
            version = saved.version
