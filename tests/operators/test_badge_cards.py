"""Badge cards print when an admin issues the badge: the card's barcode scans back to the
badge, which then signs the operator in."""

import pypdfium2
import pytest
import zxingcpp

from shopfloor.labels.models import Printer
from shopfloor.operators.models import OperatorBadge
from tests.labels.support import FakeZebra, free_port

pytestmark = pytest.mark.django_db


def card_codes(pdf_bytes):
    pdf = pypdfium2.PdfDocument(pdf_bytes)
    try:
        image = pdf[0].render(scale=300 / 72).to_pil()
    finally:
        pdf.close()
    return [found.text for found in zxingcpp.read_barcodes(image)]


@pytest.fixture
def carla(make_user):
    return make_user("Operator", email="carla@plant.example", full_name="Carla Núñez")


def test_the_printed_card_scans_back_to_the_badge_code_that_signs_in(
    client_for, admin_user, carla, device, station
):
    admin = client_for(admin_user)
    page = admin.get(f"/operators/people/{carla.pk}/").content.decode()
    assert "its card is printed now" in page

    card = admin.post(
        f"/operators/people/{carla.pk}/badge/", {"code": "CN-4711-X", "output": "pdf"}
    )

    assert card["Content-Type"] == "application/pdf" and card["Cache-Control"] == "no-store"
    assert card_codes(card.content) == ["BADGE:CN-4711-X"]
    admin.post("/accounts/sign-out/")
    signed_in = device.post("/operators/badge/", {"code": card_codes(card.content)[0]})
    assert signed_in.status_code == 302
    assert device.get("/stations/").wsgi_request.user == carla


def test_a_card_with_a_random_code_scans_back_to_a_working_badge(
    client_for, admin_user, carla, device
):
    card = client_for(admin_user).post(f"/operators/people/{carla.pk}/badge/", {"output": "pdf"})

    (scanned,) = card_codes(card.content)
    client_for(admin_user).post("/accounts/sign-out/")
    assert scanned.startswith("BADGE:")
    assert device.post("/operators/badge/", {"code": scanned}).status_code == 302


def test_reissuing_a_badge_makes_the_old_card_stop_working(client_for, admin_user, carla, device):
    admin = client_for(admin_user)
    admin.post(f"/operators/people/{carla.pk}/badge/", {"code": "OLD-CARD-1", "output": "pdf"})
    admin.post(f"/operators/people/{carla.pk}/badge/", {"code": "NEW-CARD-2", "output": "pdf"})
    admin.post("/accounts/sign-out/")

    assert "not known" in device.post("/operators/badge/", {"code": "OLD-CARD-1"}).content.decode()
    assert device.post("/operators/badge/", {"code": "NEW-CARD-2"}).status_code == 302


def test_a_card_sent_to_a_label_printer_carries_the_badge_in_zpl(client_for, admin_user, carla):
    with FakeZebra() as zebra:
        printer = Printer.objects.create(name="Zebra office", host="127.0.0.1", port=zebra.port)
        response = client_for(admin_user).post(
            f"/operators/people/{carla.pk}/badge/", {"code": "CN-ZPL-01", "output": printer.pk}
        )
    assert response.status_code == 302
    assert any(b"BADGE:CN-ZPL-01" in data for data in zebra.received)
    assert OperatorBadge.objects.get(user=carla).has_badge


def test_a_printer_that_refuses_leaves_the_badge_as_it_was(client_for, admin_user, carla):
    printer = Printer.objects.create(name="Zebra gone", host="127.0.0.1", port=free_port())

    page = client_for(admin_user).post(
        f"/operators/people/{carla.pk}/badge/", {"code": "CN-LOST-01", "output": printer.pk}
    )

    assert page.status_code == 200 and "Zebra gone" in page.content.decode()
    assert not OperatorBadge.objects.filter(user=carla, code_digest__isnull=False).exists()


@pytest.mark.parametrize(
    "code, message",
    [
        ("BADGE:CN-1234", "Leave out BADGE:"),
        ("CN 1234", "printable ASCII"),
        ("ÇN-12345", "printable ASCII"),
        ("CN1", "6 to 64 characters"),
    ],
)
def test_a_code_that_cannot_be_a_badge_is_refused_and_nothing_changes(
    client_for, admin_user, carla, code, message
):
    page = client_for(admin_user).post(
        f"/operators/people/{carla.pk}/badge/", {"code": code, "output": "pdf"}
    )

    assert page.status_code == 200 and message in page.content.decode()
    assert not OperatorBadge.objects.filter(user=carla).exists()


def test_a_code_another_operator_holds_is_refused(client_for, admin_user, carla, ana):
    from tests.operators.conftest import BADGE_A

    page = client_for(admin_user).post(
        f"/operators/people/{carla.pk}/badge/", {"code": BADGE_A, "output": "pdf"}
    )

    assert "already in use" in page.content.decode() and "ana@" not in page.content.decode()
    assert not OperatorBadge.objects.filter(user=carla).exists()


@pytest.mark.parametrize("role", ["Operator", "Supervisor", "Engineer"])
def test_only_admins_issue_badges(client_for, make_user, carla, role):
    response = client_for(make_user(role)).post(
        f"/operators/people/{carla.pk}/badge/", {"code": "CN-12345", "output": "pdf"}
    )

    assert response.status_code == 403
    assert not OperatorBadge.objects.filter(user=carla).exists()


@pytest.mark.parametrize("pin", ["12a4", "123", "123456789", "12 34"])
def test_a_pin_that_is_not_4_to_8_digits_is_refused(client_for, admin_user, carla, pin):
    page = client_for(admin_user).post(f"/operators/people/{carla.pk}/pin/", {"pin": pin})

    assert page.status_code == 200 and "A PIN is 4 to 8 digits." in page.content.decode()
    assert not OperatorBadge.objects.filter(user=carla).exclude(pin="").exists()


def test_the_pin_is_stored_like_a_password(client_for, admin_user, carla):
    client_for(admin_user).post(f"/operators/people/{carla.pk}/pin/", {"pin": "4711"})

    stored = OperatorBadge.objects.get(user=carla).pin
    assert "4711" not in stored and stored.count("$") >= 2
