import pytest

from shopfloor.operators.services import badge_issue, badge_pin_set
from shopfloor.stations.models import Station
from tests.stations.scan_support import part_with_procedure

BADGE_A = "OP-ANA-0001"
BADGE_B = "OP-BEN-0002"


@pytest.fixture(autouse=True)
def _defect_reasons(defect_reasons):
    """Scans may fail a unit with a default defect reason."""


@pytest.fixture
def part(engineer):
    return part_with_procedure(engineer)


@pytest.fixture
def station(part):
    station = Station.objects.create(name="SMD-1", line="Line A", stage="smd")
    station.parts.set([part])
    return station


@pytest.fixture
def ana(make_user, admin_user):
    user = make_user("Operator", email="ana@plant.example", full_name="Ana Lima")
    badge_issue(user=user, code=BADGE_A, issued_by=admin_user)
    return user


@pytest.fixture
def ben(make_user, admin_user):
    user = make_user("Operator", email="ben@plant.example", full_name="Ben Okafor")
    badge_issue(user=user, code=BADGE_B, issued_by=admin_user)
    return user


@pytest.fixture
def with_pin():
    def give(user, pin="4711"):
        badge_pin_set(user=user, pin=pin)
        return user

    return give


def bind_device(client, station, engineer):
    """Bind the client's device to ``station`` as an engineer does, then sign the engineer
    out: the binding stays, as on a real station device."""
    client.force_login(engineer)
    response = client.post(f"/operators/devices/bind/{station.pk}/")
    assert response.status_code == 302
    client.post("/accounts/sign-out/")
    return client


@pytest.fixture
def device(client, station, engineer):
    """A station device bound to ``station``, nobody signed in."""
    return bind_device(client, station, engineer)
