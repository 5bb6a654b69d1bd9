"""Parts with procedures for scan tests, and a short way to scan."""

from parts.models import ModelPart
from procedures.services import procedure_apply
from shopfloor.scanning.rules import scan_record
from shopfloor.stations.models import ScanEvent


def stage(key, result="done", **extra):
    return {"key": key, "label": key.replace("_", " ").upper(), "result": result, **extra}


# SMD and QC pass or fail, Leaded may be skipped, Dispatch is a plain tick.
PROCEDURE = {
    "version": 1,
    "stages": [
        stage("smd", "pass_fail", instructions="Check solder joints under the scope."),
        stage("leaded", optional=True),
        stage("qc", "pass_fail", media=["qc_video"]),
        stage("dispatch"),
    ],
    "fields": [],
}


def part_with_procedure(user, part_no="EICS112_Part", config=PROCEDURE):
    part = ModelPart.objects.create(model_no=part_no.split("_")[0], part_no=part_no)
    procedure_apply(part=part, config=config, user=user)
    return part


def scan(usid, stage_key, **kwargs):
    kwargs.setdefault("source", ScanEvent.Source.API)
    return scan_record(usid=usid, stage=stage_key, **kwargs)


def unit_of(part, usid):
    return part.unit_model().objects.filter(usid=usid).values().first()
