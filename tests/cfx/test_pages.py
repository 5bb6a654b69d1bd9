"""The engineer's CFX pages: machines and the names they reported, the mapping form, the last
messages of each machine, and the dead letters with their replay."""

import pytest
from django.urls import reverse

from shopfloor.cfx.models import DeadLetter, Endpoint, NameMapping
from shopfloor.cfx.services import message_receive
from shopfloor.stations.models import DefectReason, ScanEvent, Station
from tests.cfx.messages import encoded, measurement, unit_result, units_tested

pytestmark = pytest.mark.django_db

AOI = "CFX.A00.AOI-3"


@pytest.fixture
def heard(line):
    """An AOI not mapped yet reported a failed unit with a measurement and a symptom code."""
    (usid,) = line.units(1)
    message = units_tested(
        unit_result(usid, "Failed", measurements=[measurement("VOUT", 4.2)], symptoms=["BRIDGE"]),
        source=AOI,
    )
    message_receive(encoded(message))
    return usid


def test_an_unmapped_machine_is_listed_with_the_names_waiting_for_a_mapping(
    client_for, engineer, heard
):
    page = client_for(engineer).get(reverse("cfx:endpoints")).content.decode()

    assert AOI in page and "not mapped" in page and "Dead letters: 1" in page


def test_the_machine_page_previews_its_last_messages_and_lists_every_name(
    client_for, engineer, heard
):
    endpoint = Endpoint.objects.get(handle=AOI)

    page = client_for(engineer).get(endpoint.get_absolute_url()).content.decode()

    assert "CFX.Production.TestAndInspection.UnitsTested" in page and "dead-lettered" in page
    assert "&quot;VOUT&quot;" in page or "VOUT" in page
    for name in ("Power rail", "VOUT", "BRIDGE"):
        assert f"<code>{name}</code>" in page


def test_an_engineer_maps_the_machine_and_replays_its_dead_letter_which_records_the_unit(
    client_for, engineer, heard, line
):
    endpoint = Endpoint.objects.get(handle=AOI)
    names = {m.name: m for m in endpoint.names.all()}
    client = client_for(engineer)

    response = client.post(
        endpoint.get_absolute_url(),
        {
            "station": line.station.pk,
            f"name_{names['VOUT'].pk}": "vout",
            f"name_{names['Power rail'].pk}": "",
            f"name_{names['BRIDGE'].pk}": DefectReason.objects.get(code="solder_bridge").pk,
        },
    )
    assert response.status_code == 302
    dead_letter = DeadLetter.objects.get()
    response = client.post(reverse("cfx:replay", args=[dead_letter.pk]), follow=True)

    assert "Replayed and recorded" in response.content.decode()
    event = ScanEvent.objects.get(usid=heard, source=ScanEvent.Source.CFX)
    assert event.defect.code == "solder_bridge" and event.station == line.station
    assert NameMapping.objects.get(name="VOUT").field_key == "vout"
    assert event.data == {"vout": 4.2}  # the mapped measurement is the stage's data


def test_a_mapping_saved_on_the_page_reaches_the_next_message_and_disagreeing_limits_show(
    client_for, engineer, heard, line
):
    endpoint = Endpoint.objects.get(handle=AOI)
    names = {m.name: m for m in endpoint.names.all()}
    client = client_for(engineer)
    client.post(
        endpoint.get_absolute_url(),
        {"station": line.station.pk, f"name_{names['VOUT'].pk}": "vout"},
    )
    (usid,) = line.units(1, prefix="W")

    message_receive(
        encoded(
            units_tested(
                unit_result(usid, measurements=[measurement("VOUT", 5.0, low=4.0, high=6.0)]),
                source=AOI,
            )
        )
    )

    page = client.get(endpoint.get_absolute_url()).content.decode()
    assert 'data-testid="limits-disagree"' in page
    assert "VOUT was tested against 4 to 6 V, Output voltage allows 4.75 to 5.25 V" in page


def test_a_field_key_that_is_not_one_is_refused_naming_the_field_and_nothing_is_saved(
    client_for, engineer, heard, line
):
    endpoint = Endpoint.objects.get(handle=AOI)
    vout = endpoint.names.get(name="VOUT")

    response = client_for(engineer).post(
        endpoint.get_absolute_url(), {"station": line.station.pk, f"name_{vout.pk}": "V OUT!"}
    )

    assert response.status_code == 200
    assert "A procedure field key is lower case letters" in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.station is None and endpoint.names.get(name="VOUT").field_key == ""


def test_a_replay_that_still_fails_keeps_the_dead_letter_open_with_the_new_reason(
    client_for, engineer, heard
):
    dead_letter = DeadLetter.objects.get()
    Endpoint.objects.filter(handle=AOI).update(
        station=Station.objects.create(name="DISPATCH-1", stage="dispatch")
    )

    response = client_for(engineer).post(reverse("cfx:replay", args=[dead_letter.pk]), follow=True)

    assert "Still not recorded" in response.content.decode()
    dead_letter.refresh_from_db()
    assert dead_letter.status == DeadLetter.Status.OPEN
    assert "DISPATCH is only marked done: it has no pass or fail" in dead_letter.reason
    assert dead_letter.replays == 1


def test_operators_and_supervisors_cannot_see_or_replay_dead_letters(
    client_for, operator, supervisor, heard
):
    dead_letter = DeadLetter.objects.get()
    for person in (operator, supervisor):
        client = client_for(person)
        assert client.get(reverse("cfx:dead-letters")).status_code == 403
        assert client.post(reverse("cfx:replay", args=[dead_letter.pk])).status_code == 403
    assert DeadLetter.objects.get().status == DeadLetter.Status.OPEN


def test_operators_are_not_offered_the_machines_own_defect_reason(client_for, operator, line):
    page = client_for(operator).get(reverse("stations:scan", args=[line.station.pk]))

    assert "Solder bridge" in page.content.decode()
    assert "Machine-reported symptom" not in page.content.decode()
