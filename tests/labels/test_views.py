"""The engineer's and the supervisor's label pages, driven through HTTP."""

import pypdfium2
import pytest
import zxingcpp
from django.test import Client
from django.urls import reverse

from shopfloor.labels.models import LabelEvent, LabelTemplate, Printer, SerialBatch
from shopfloor.labels.services import serial_batch_issue, serial_scheme_set
from shopfloor.scanning.services import api_token_issue
from tests.labels.support import free_port
from tests.stations.scan_support import scan

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def pdf_codes(content):
    pdf = pypdfium2.PdfDocument(content)
    try:
        image = pdf[0].render(scale=300 / 72).to_pil()
    finally:
        pdf.close()
    return sorted(found.text for found in zxingcpp.read_barcodes(image))


@pytest.fixture
def template(part):
    return LabelTemplate.objects.create(
        part=part, name="Board", width_mm=60, height_mm=30, symbology="datamatrix"
    )


@pytest.fixture
def batch(part, engineer, template):
    serial_scheme_set(part=part, pattern="PWR-{seq:04}", user=engineer)
    return serial_batch_issue(part=part, count=4, user=engineer, work_run="WO-1")


def test_an_engineer_sets_the_numbering_and_issues_a_batch(part, engineer):
    client = signed_in(engineer)

    bad = client.post(reverse("labels:scheme", args=[part.pk]), {"pattern": "PWR-{WEEK}-{seq:04}"})
    client.post(reverse("labels:scheme", args=[part.pk]), {"pattern": "PWR-{seq:04}"})
    refused = client.post(reverse("labels:issue", args=[part.pk]), {"count": "0"})
    issued = client.post(reverse("labels:issue", args=[part.pk]), {"count": "3", "work_run": "WO"})

    assert "Unknown token {WEEK}" in bad.content.decode()
    assert refused.status_code == 200 and "greater than or equal to 1" in refused.content.decode()
    batch = SerialBatch.objects.get()
    assert issued.status_code == 302 and issued["Location"] == batch.get_absolute_url()
    page = client.get(reverse("labels:part", args=[part.pk])).content.decode()
    assert "PWR-0001 to PWR-0003" in page


def test_the_batch_page_lists_the_numbers_not_scanned_yet(part, engineer, batch):
    scan("PWR-0002", "smd", result="pass", part_no=part.part_no)
    client = signed_in(engineer)

    page = client.get(batch.get_absolute_url(), {"state": "issued"}).content.decode()

    assert "<strong>1</strong> registered" in page
    assert [usid for usid in ("PWR-0001", "PWR-0002", "PWR-0003", "PWR-0004") if usid in page] == [
        "PWR-0001",
        "PWR-0003",
        "PWR-0004",
    ]


def test_a_template_that_does_not_fit_its_label_is_refused_and_not_saved(part, engineer):
    serial_scheme_set(part=part, pattern="PWR-{YYMM}-{seq:05}", user=engineer)
    client = signed_in(engineer)
    form = {"name": "Tiny", "width_mm": "30", "height_mm": "20", "symbology": "code128"}

    response = client.post(reverse("labels:template-create", args=[part.pk]), form)

    assert response.status_code == 200
    assert "does not fit its label" in response.content.decode()
    assert "needs 55.2 mm of width; the label is 30.0 mm wide" in response.content.decode()
    assert not LabelTemplate.objects.exists()


def test_the_preview_is_an_svg_of_the_label(engineer, template):
    response = signed_in(engineer).get(reverse("labels:template-preview", args=[template.pk]))

    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg") and b"SAMPLE-USID-0001" in response.content


def test_printing_a_batch_as_pdf_gives_scannable_labels_and_a_reprint_needs_a_reason(
    engineer, batch, template
):
    client = signed_in(engineer)
    url = reverse("labels:batch-print", args=[batch.pk])
    form = {"template": template.pk, "first": "PWR-0001", "last": "PWR-0003", "output": "pdf"}

    first = client.post(url, form)
    again = client.post(url, form)
    reprint = client.post(url, {**form, "reason": "ribbon ran out mid-sheet"})

    assert first["Content-Type"] == "application/pdf"
    assert pdf_codes(first.content) == ["PWR-0001", "PWR-0002", "PWR-0003"]
    assert "3 of these labels were printed before (first PWR-0001)" in again.content.decode()
    assert reprint["Content-Type"] == "application/pdf"
    actions = list(LabelEvent.objects.order_by("id").values_list("usid", "action", "reason"))
    assert actions[:3] == [
        ("PWR-0001", "print", ""),
        ("PWR-0002", "print", ""),
        ("PWR-0003", "print", ""),
    ]
    assert actions[3:] == [
        (usid, "reprint", "ribbon ran out mid-sheet")
        for usid in ("PWR-0001", "PWR-0002", "PWR-0003")
    ]


def test_printing_a_batch_on_a_label_printer_sends_each_label(engineer, batch, template, zebra):
    printer = Printer.objects.create(name="Zebra SMD", host="127.0.0.1", port=zebra.port)
    client = signed_in(engineer)
    form = {"template": template.pk, "first": "PWR-0002", "last": "PWR-0003", "output": printer.pk}

    response = client.post(reverse("labels:batch-print", args=[batch.pk]), form)
    zebra.close()

    assert response.status_code == 302
    sent = zebra.received[0].decode()
    assert sent.count("^XA") == 2 and "^FDPWR-0002^FS" in sent and "^FDPWR-0003^FS" in sent
    assert LabelEvent.objects.filter(printer=printer, action="print").count() == 2


def test_a_printer_that_refuses_shows_the_error_and_logs_no_print(engineer, batch, template):
    printer = Printer.objects.create(name="Zebra QC", host="127.0.0.1", port=free_port())
    form = {"template": template.pk, "first": "PWR-0001", "last": "PWR-0001", "output": printer.pk}

    response = signed_in(engineer).post(reverse("labels:batch-print", args=[batch.pk]), form)

    assert response.status_code == 200
    assert "Printer Zebra QC (127.0.0.1:" in response.content.decode()
    assert "refused the connection" in response.content.decode()
    assert not LabelEvent.objects.exists()


def test_a_supervisors_reprint_and_a_void_appear_in_the_units_history_pages_and_api(
    part, engineer, supervisor, batch
):
    scan("PWR-0001", "smd", result="pass", part_no=part.part_no)
    client = signed_in(supervisor)
    url = reverse("labels:unit-reprint", args=["PWR-0001"])

    without_reason = client.post(url, {"output": "pdf", "reason": ""}, follow=True)
    reprint = client.post(url, {"output": "pdf", "reason": "label smudged at QC"})
    signed_in(engineer).post(
        reverse("labels:void", args=[batch.pk]), {"usid": "PWR-0004", "reason": "torn"}
    )

    assert "Label not reprinted" in without_reason.content.decode()
    assert pdf_codes(reprint.content) == ["PWR-0001"]
    page = client.get(reverse("dashboards:unit", args=["PWR-0001"])).content.decode()
    assert "Label reprinted" in page and "label smudged at QC" in page
    token = api_token_issue(name="rig", may_read=True)[1]
    answer = client.get(
        "/api/v1/units/PWR-0001", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert [(event["action"], event["reason"]) for event in answer["labels"]] == [
        ("reprint", "label smudged at QC")
    ]
    void = LabelEvent.objects.get(usid="PWR-0004")
    assert (void.action, void.reason) == ("void", "torn")


def test_defect_cards_carry_each_active_reason_as_a_scannable_code(engineer, defect_reasons):
    client = signed_in(engineer)

    page = client.get(reverse("labels:defect-cards")).content.decode()
    pdf = client.post(reverse("labels:defect-cards-print"), {"output": "pdf"})

    assert 'data-code="solder_bridge"' in page
    assert "solder_bridge" in pdf_codes(pdf.content)


def test_a_preview_of_text_no_label_can_carry_is_refused_not_an_error(engineer, template):
    url = reverse("labels:template-preview", args=[template.pk])

    response = signed_in(engineer).get(url, {"usid": "PWR-\u00e9"})

    assert response.status_code == 400
    assert "labels print ASCII letters, digits and signs only" in response.content.decode()


def test_a_printer_host_that_is_no_host_name_is_refused(engineer):
    form = {"name": "Odd", "host": "printer one", "port": "9100", "dpi": "203", "is_active": "on"}

    response = signed_in(engineer).post(reverse("labels:printer-create"), form)

    assert "An IP address or host name" in response.content.decode()
    assert not Printer.objects.exists()


def test_the_batch_page_lists_registered_and_voided_numbers_on_their_own(part, engineer, batch):
    scan("PWR-0003", "smd", result="pass", part_no=part.part_no)
    client = signed_in(engineer)
    client.post(reverse("labels:void", args=[batch.pk]), {"usid": "PWR-0001", "reason": "torn"})

    registered = client.get(batch.get_absolute_url(), {"state": "registered"}).content.decode()
    voided = client.get(batch.get_absolute_url(), {"state": "voided"}).content.decode()

    assert 'data-state="registered"' in registered and "PWR-0003" in registered
    assert 'data-state="issued"' not in registered and 'data-state="voided"' not in registered
    assert voided.count('<tr data-state="voided">') == 1 and "PWR-0001" in voided


def test_a_new_default_template_takes_the_place_of_the_old_one(part, engineer, template):
    template.is_default = True
    template.save()
    form = {"name": "Small", "width_mm": "40", "height_mm": "25", "symbology": "qr"}

    signed_in(engineer).post(
        reverse("labels:template-create", args=[part.pk]), {**form, "is_default": "on"}
    )

    assert list(LabelTemplate.objects.filter(is_default=True).values_list("name", flat=True)) == [
        "Small"
    ]
