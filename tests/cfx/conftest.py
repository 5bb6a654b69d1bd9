import pytest

from shopfloor.cfx.models import Endpoint
from shopfloor.stations.models import Station
from tests.cfx.messages import TESTER
from tests.stations.scan_support import part_with_procedure, scan


@pytest.fixture(autouse=True)
def _defect_reasons(defect_reasons):
    """Failed units need the default defect reasons, cfx_symptom among them."""


@pytest.fixture
def line(engineer):
    """A part (SMD, Leaded optional, QC, Dispatch), the ICT tester ``TESTER`` mapped to station
    ICT-1 at QC, and a function registering units at SMD (``line.units(n)`` → their USIDs)."""
    part = part_with_procedure(engineer)
    station = Station.objects.create(name="ICT-1", line="Line A", stage="qc")
    station.parts.set([part])
    endpoint = Endpoint.objects.create(handle=TESTER, station=station)

    class Line:
        def units(self, count, prefix="U"):
            usids = [f"{prefix}{n:05d}" for n in range(1, count + 1)]
            for usid in usids:
                assert not scan(usid, "smd", result="pass", part_no=part.part_no).is_refused
            return usids

    line_ = Line()
    line_.part, line_.station, line_.endpoint = part, station, endpoint
    return line_
