"""A small line with genealogy: PSU boards go into controllers, controllers into cabinets,
and the controller's assembly takes a solder-paste lot."""

from shopfloor.genealogy.models import Installation
from tests.stations.scan_support import part_with_procedure, scan, stage

PSU_PROCEDURE = {
    "version": 1,
    "stages": [stage("smd", "pass_fail"), stage("test", "pass_fail"), stage("pack", optional=True)],
    "fields": [],
}
CONTROLLER_PROCEDURE = {
    "version": 1,
    "stages": [
        stage("smd", "pass_fail"),
        stage(
            "assembly",
            "pass_fail",
            components=[
                {"key": "psu", "label": "PSU board", "part_no": "PSU_Part"},
                {"key": "paste", "label": "Solder paste lot", "kind": "lot"},
                {"key": "fan", "label": "Fan", "kind": "lot", "required": False},
            ],
        ),
        stage("qc", "pass_fail"),
    ],
    "fields": [],
}
CABINET_PROCEDURE = {
    "version": 1,
    "stages": [
        stage(
            "build",
            components=[{"key": "controller", "label": "Controller", "part_no": "CTRL_Part"}],
        ),
        stage("dispatch"),
    ],
    "fields": [],
}


class Line:
    """Parts PSU_Part, CTRL_Part and CAB_Part with their procedures."""

    def __init__(self, engineer):
        self.psu = part_with_procedure(engineer, "PSU_Part", PSU_PROCEDURE)
        self.controller = part_with_procedure(engineer, "CTRL_Part", CONTROLLER_PROCEDURE)
        self.cabinet = part_with_procedure(engineer, "CAB_Part", CABINET_PROCEDURE)

    def finished_psu(self, usid):
        scan(usid, "smd", part_no="PSU_Part")
        scan(usid, "test")
        return usid

    def controller_at_assembly(self, usid):
        scan(usid, "smd", part_no="CTRL_Part")
        return usid

    def finished_controller(self, usid, psu, paste="LOT-PASTE-1"):
        self.controller_at_assembly(usid)
        outcome = scan(usid, "assembly", components={"psu": psu, "paste": paste})
        assert outcome.status == "recorded", outcome
        scan(usid, "qc")
        return usid


def installed(**filters):
    return list(
        Installation.objects.current()
        .filter(**filters)
        .values_list("parent_usid", "component", "child_usid", "lot")
    )
