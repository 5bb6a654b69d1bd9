import pytest

from tests.labels.support import FakeZebra
from tests.stations.scan_support import part_with_procedure


@pytest.fixture
def part(engineer):
    return part_with_procedure(engineer, part_no="PWR_Part")


@pytest.fixture
def zebra():
    with FakeZebra() as printer:
        yield printer
