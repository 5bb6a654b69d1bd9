import pytest

from tests.stations.conftest import api, device_token, make_station  # noqa: F401


@pytest.fixture(autouse=True)
def _defect_reasons(defect_reasons):
    """Genealogy tests may fail a unit with a default defect reason."""
