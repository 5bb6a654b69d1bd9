import pytest
from django.urls import reverse

from parts.models import ModelPart
from shopfloor.stations.models import AppendOnlyError, ScanEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(db):
    part = ModelPart.objects.create(model_no="EICS112", part_no="EICS112_Part")
    return ScanEvent.objects.create(
        usid="U1", part=part, stage="smd", action="scan", result="pass", source="api"
    )


def test_a_scan_event_cannot_be_changed(event):
    event.result = "fail"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        ScanEvent.objects.filter(pk=event.pk).update(result="fail")

    assert ScanEvent.objects.get().result == "pass"


def test_a_scan_event_cannot_be_deleted(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        ScanEvent.objects.all().delete()

    assert ScanEvent.objects.count() == 1


def test_the_admin_shows_scan_events_but_cannot_change_or_delete_them(
    client_for, admin_user, event
):
    client = client_for(admin_user)

    listing = client.get(reverse("admin:stations_scanevent_changelist"))
    change = client.post(
        reverse("admin:stations_scanevent_change", args=[event.pk]), {"result": "fail"}
    )
    delete = client.post(
        reverse("admin:stations_scanevent_delete", args=[event.pk]), {"post": "yes"}
    )

    assert "U1" in listing.content.decode()
    assert change.status_code == 403
    assert delete.status_code == 403
    assert ScanEvent.objects.get().result == "pass"
    assert client.get(reverse("admin:stations_scanevent_add")).status_code == 403
