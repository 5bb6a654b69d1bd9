"""A station that prints at registration: the label follows the scan, and a printer that
fails never fails the scan; the operator is told on the screen."""

import pytest
from django.test import Client
from django.urls import reverse

from shopfloor.labels.models import LabelEvent, LabelTemplate, Printer, StationPrinting
from shopfloor.labels.registration_printing import wait_for_label_printing
from shopfloor.labels.services import batch_print, serial_batch_issue, serial_scheme_set
from shopfloor.stations.models import Station, UnitRegistration
from tests.labels.support import FakeZebra, free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def station(part):
    LabelTemplate.objects.create(
        part=part, name="Board", width_mm=40, height_mm=25, symbology="qr", is_default=True
    )
    station = Station.objects.create(name="SMD-1", line="Line A", stage="smd")
    station.parts.set([part])
    return station


def prints_to(station, port):
    printer = Printer.objects.create(name="Zebra SMD", host="127.0.0.1", port=port)
    StationPrinting.objects.create(station=station, printer=printer, print_at_registration=True)
    return printer


def scan_at(client, station, code):
    url = reverse("stations:submit", args=[station.pk])
    response = client.post(url, {"code": code, "result": "pass"}, headers={"HX-Request": "true"})
    wait_for_label_printing()
    return response


def test_registering_a_unit_prints_its_label_on_the_stations_printer(operator, station):
    client = Client()
    client.force_login(operator)
    with FakeZebra() as zebra:
        prints_to(station, zebra.port)

        response = scan_at(client, station, "PWR-0001")
        scan_at(client, station, "PWR-0001")  # a repeat registers nothing: no second label
        zebra.close()

    assert 'data-status="recorded"' in response.content.decode()
    labels = b"".join(zebra.received).decode()
    assert labels.count("^XA") == 1 and "^BQN" in labels and "^FDMA,PWR-0001^FS" in labels
    event = LabelEvent.objects.get()
    assert (event.usid, event.action, event.station) == ("PWR-0001", "print", station)


def test_a_printer_that_refuses_leaves_the_scan_recorded_and_tells_the_operator(operator, station):
    prints_to(station, free_port())
    client = Client()
    client.force_login(operator)

    response = scan_at(client, station, "PWR-0002")
    screen = client.get(reverse("stations:scan", args=[station.pk])).content.decode()

    assert 'data-status="recorded"' in response.content.decode()
    assert UnitRegistration.objects.filter(usid="PWR-0002").exists()
    failed = LabelEvent.objects.get()
    assert failed.action == "failed" and "refused the connection" in failed.error
    assert 'data-testid="label-alert"' in screen and "PWR-0002" in screen
    assert "refused the connection" in screen


def test_a_station_without_print_at_registration_prints_nothing(operator, station):
    with FakeZebra() as zebra:
        printer = Printer.objects.create(name="Zebra", host="127.0.0.1", port=zebra.port)
        StationPrinting.objects.create(station=station, printer=printer)
        client = Client()
        client.force_login(operator)

        scan_at(client, station, "PWR-0003")
        zebra.close()

    assert zebra.received == []
    assert not LabelEvent.objects.exists()


def test_a_number_printed_in_a_batch_is_printed_again_at_registration_as_a_reprint(
    operator, engineer, station, part
):
    serial_scheme_set(part=part, pattern="PWR-{seq:04}", user=engineer)
    batch = serial_batch_issue(part=part, count=1, user=engineer)
    template = LabelTemplate.objects.get(part=part)
    batch_print(batch=batch, template=template, first="PWR-0001", last="PWR-0001", user=engineer)
    client = Client()
    client.force_login(operator)
    with FakeZebra() as zebra:
        prints_to(station, zebra.port)

        scan_at(client, station, "PWR-0001")
        zebra.close()

    assert "^FDMA,PWR-0001^FS" in b"".join(zebra.received).decode()
    reprint = LabelEvent.objects.get(action="reprint")
    assert (reprint.station, reprint.reason) == (station, "Printed at registration at SMD-1")
