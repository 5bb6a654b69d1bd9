import pytest
from django.core.management import call_command

from parts.models import ModelPart
from procedures.models import PartProcedureDetail


@pytest.mark.django_db
def test_demo_data_gives_the_demo_part_a_procedure_and_unit_table_once():
    call_command("load_demo", stdout=None)
    call_command("load_demo", stdout=None)

    part = ModelPart.objects.get(part_no="EICS112_Part")
    procedure = PartProcedureDetail.objects.get()
    Unit = part.unit_model()
    Unit.objects.create(usid="DEMO-1", is_smd=True, f_firmware_version="1.0.3")
    assert procedure.version == 1
    assert procedure.updated_by.email == "engineer@shopfloor.example"
    assert [s["key"] for s in Unit.unit_stages] == ["smd", "qc", "testing", "dispatch"]
    assert Unit.objects.get().f_firmware_version == "1.0.3"
