# The station, its part and the operator with a badge of the operators' tests.
from tests.operators.conftest import _defect_reasons, ana, part, station  # noqa: F401
