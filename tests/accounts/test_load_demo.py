import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from parts.models import ModelPart
from procedures.models import PartProcedureDetail
from shopfloor.dashboards.selectors import line_overview
from shopfloor.stations.models import ScanEvent, Station, UnitRegistration


def demo_load(*args):
    output = io.StringIO()
    call_command("load_demo", *args, stdout=output)
    return output.getvalue()


@pytest.mark.django_db
def test_demo_data_gives_the_demo_part_a_procedure_and_unit_table_once():
    demo_load()
    demo_load()

    part = ModelPart.objects.get(part_no="EICS112_Part")
    procedure = PartProcedureDetail.objects.get(model_part=part)
    Unit = part.unit_model()
    Unit.objects.create(usid="DEMO-1", is_smd=True, f_firmware_version="1.0.3")
    assert procedure.version == 1
    assert procedure.updated_by.email == "engineer@shopfloor.example"
    assert [s["key"] for s in Unit.unit_stages] == ["smd", "qc", "testing", "dispatch"]
    assert Unit.objects.get(usid="DEMO-1").f_firmware_version == "1.0.3"


@pytest.mark.django_db
def test_the_demo_line_opens_every_dashboard_on_a_believable_line():
    demo_load()

    overview = {entry.part.part_no: entry for entry in line_overview()}
    assert set(overview) == {"EICS112_Part", "CTL220_Controller"}
    for entry in overview.values():
        figures = entry.figures
        assert figures.units >= 1000
        assert 0 < figures.finished < figures.units
        assert figures.finished_today > 0
        assert figures.on_hold > 0
        qc = figures.stage("qc")
        assert qc.failed > 0 and qc.waiting > 0
        assert 80 < qc.first_pass_yield < 100
    controller = overview["CTL220_Controller"].figures
    assert [stage.key for stage in controller.stages] == [
        "smd",
        "leaded",
        "glueing",
        "qc",
        "testing",
        "dispatch",
    ]
    assert Station.objects.get(name="LEAD-1").stage == "leaded"


@pytest.mark.django_db
def test_demo_units_have_a_history_a_scan_would_have_written():
    demo_load()

    registration = UnitRegistration.objects.find("psu-000001")
    assert registration.usid == "PSU-000001"
    assert registration.part.part_no == "EICS112_Part"
    first = registration.part.unit_model().objects.get(usid="PSU-000001")
    assert (timezone.now() - first.created_at).days >= 3  # registered days ago, not at loading
    assert first.updated_at > first.created_at
    events = ScanEvent.objects.all()
    fails = events.filter(result=ScanEvent.Result.FAIL)
    assert fails.exists() and not fails.filter(defect=None).exists()
    last_pass = {}
    for usid, stage, at in events.filter(result=ScanEvent.Result.PASS).values_list(
        "usid", "stage", "created_at"
    ):
        last_pass[usid, stage] = max(at, last_pass.get((usid, stage), at))
    reworked = [
        fail
        for fail in fails
        if last_pass.get((fail.usid, fail.stage), fail.created_at) > fail.created_at
    ]
    assert 0 < len(reworked) < fails.count()  # some reworked, some still waiting for it
    assert events.filter(action=ScanEvent.Action.HOLD).exists()
    assert events.filter(action=ScanEvent.Action.RELEASE).exists()


@pytest.mark.django_db
def test_loading_the_demo_again_adds_nothing_and_prints_the_address_given():
    first = demo_load("--address", "http://127.0.0.1:8100")
    units = UnitRegistration.objects.count()
    events = ScanEvent.objects.count()
    again = demo_load()

    assert "Sign in at http://127.0.0.1:8100" in first
    assert "Sign in at http://127.0.0.1:8000" in again
    assert UnitRegistration.objects.count() == units
    assert ScanEvent.objects.count() == events
    assert Station.objects.count() == 6
