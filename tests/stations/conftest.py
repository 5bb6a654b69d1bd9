import json

import pytest

from shopfloor.scanning.services import api_token_issue
from shopfloor.stations.models import Station


@pytest.fixture(autouse=True)
def _defect_reasons(defect_reasons):
    """Every scan test may fail a unit with a default defect reason."""


@pytest.fixture
def make_station(db):
    def make(name="QC-1", stage="qc", *, line="Line A", parts=(), **extra):
        station = Station.objects.create(name=name, line=line, stage=stage, **extra)
        station.parts.set(parts)
        return station

    return make


@pytest.fixture
def api(client):
    """Send scan API requests with a bearer token: ``api.post(body, token=...)``."""

    class Api:
        def post(self, body, *, token, path="/api/v1/scans"):
            data = body if isinstance(body, (str, bytes)) else json.dumps(body)
            return client.post(
                path,
                data=data,
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}"} if token else {},
            )

        def get(self, path, *, token):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            return client.get(path, headers=headers)

    return Api()


@pytest.fixture
def device_token(db):
    """The secret of a device token allowed to scan every stage."""
    return api_token_issue(name="test-rig-1", may_read=True)[1]
