"""While a job changes a part's unit table, scans of that part (screen and API) are refused with
``procedure_changing`` and write nothing; other parts scan as usual; a flag left by a job
whose worker died is neither obeyed past its time nor kept by the workers' housekeeping."""

import datetime

import pytest
from django.utils import timezone

from procedures.changing import procedure_changing
from procedures.models import PartProcedureDetail
from shopfloor.jobs.services import jobs_housekeeping
from shopfloor.stations.models import ScanEvent
from tests.stations.scan_support import part_with_procedure, scan, unit_of

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def parts(engineer):
    return part_with_procedure(engineer), part_with_procedure(engineer, part_no="OTHER_Part")


def test_scans_of_the_part_being_changed_are_refused_and_write_nothing(api, device_token, parts):
    changing, other = parts
    scan("U1", "smd", part_no=changing.part_no)
    procedure_changing(changing.pk, True)
    events = ScanEvent.objects.count()

    known = api.post({"usid": "U1", "stage": "leaded"}, token=device_token)
    new = api.post({"usid": "U2", "stage": "smd", "part_no": changing.part_no}, token=device_token)
    elsewhere = api.post(
        {"usid": "V1", "stage": "smd", "part_no": other.part_no}, token=device_token
    )

    for answer in (known, new):
        assert answer.status_code == 409
        assert answer.json()["error"]["code"] == "procedure_changing"
        assert answer.json()["error"]["message"] == (
            "The procedure of part EICS112_Part is being changed; try again in a few seconds."
        )
    assert elsewhere.status_code == 201
    assert ScanEvent.objects.count() == events + 1
    assert unit_of(changing, "U2") is None and unit_of(changing, "U1")["leaded_at"] is None

    procedure_changing(changing.pk, False)
    assert scan("U1", "leaded").status == "recorded"


def test_the_scan_screen_shows_the_refusal(client_for, operator, make_station, parts):
    changing, _other = parts
    station = make_station("SMD-1", "smd", parts=[changing])
    procedure_changing(changing.pk, True)

    body = client_for(operator).post(
        f"/stations/{station.pk}/scan/", {"code": "U9\r"}, headers=HTMX
    )

    assert "is being changed; try again in a few seconds" in body.content.decode()
    assert unit_of(changing, "U9") is None


def test_a_flag_not_renewed_is_not_obeyed_and_housekeeping_clears_it(parts, settings):
    changing, _other = parts
    settings.JOB_STALE_SECONDS = 60
    old = timezone.now() - datetime.timedelta(seconds=61)
    PartProcedureDetail.objects.filter(model_part=changing).update(changing_since=old)

    assert scan("U1", "smd", part_no=changing.part_no).status == "recorded"

    procedure_changing(changing.pk, True)  # no job holds it: a worker died mid-job
    jobs_housekeeping()

    assert PartProcedureDetail.objects.get(model_part=changing).changing_since is None
