"""Components recorded with a scan through the scan API: every rule of the contract."""

import pytest

from procedures.services import procedure_apply
from shopfloor.genealogy.models import Installation
from shopfloor.stations.models import ScanEvent
from tests.genealogy.genealogy_support import Line, installed
from tests.stations.scan_support import scan, unit_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def line(engineer):
    return Line(engineer)


def assembly(api, token, usid, components, **extra):
    body = {"usid": usid, "stage": "assembly", "components": components, **extra}
    return api.post(body, token=token)


def test_a_scan_with_its_components_installs_them(api, device_token, line):
    line.finished_psu("PSU-1")
    line.controller_at_assembly("C-1")
    response = assembly(api, device_token, "C-1", {"psu": "psu-1", "paste": "LOT-A"})
    assert response.status_code == 201, response.json()
    assert sorted(installed(parent_usid="C-1")) == [
        ("C-1", "paste", None, "LOT-A"),
        ("C-1", "psu", "PSU-1", None),
    ]
    answer = api.get("/api/v1/units/C-1", token=device_token).json()
    assert [(c["key"], c.get("usid"), c.get("lot")) for c in answer["components"]] == [
        ("psu", "PSU-1", None),
        ("paste", None, "LOT-A"),
    ]
    assert answer["components"][0]["part_no"] == "PSU_Part"
    assert answer["components"][0]["stage"] == "assembly"
    assert answer["installed_in"] is None
    child = api.get("/api/v1/units/PSU-1", token=device_token).json()
    assert child["installed_in"] == {"usid": "C-1", "part_no": "CTRL_Part"}


def _refused_and_nothing_written(response, status, code, field):
    body = response.json()
    assert response.status_code == status, body
    assert body["error"]["code"] == code
    assert field in body["error"]["fields"], body
    assert not Installation.objects.exists()
    assert not ScanEvent.objects.filter(stage="assembly").exists()
    return body["error"]["fields"][field]


def test_a_missing_required_component_on_a_pass_is_invalid(api, device_token, line):
    line.controller_at_assembly("C-1")
    response = assembly(api, device_token, "C-1", {"paste": "LOT-A"})
    message = _refused_and_nothing_written(response, 400, "invalid", "components.psu")
    assert "PSU board" in message
    assert not unit_of(line.controller, "C-1")["is_assembly"]


def test_an_optional_component_may_be_left_out(api, device_token, line):
    line.finished_psu("PSU-1")
    line.controller_at_assembly("C-1")
    response = assembly(api, device_token, "C-1", {"psu": "PSU-1", "paste": "LOT-A"})
    assert response.status_code == 201


def test_a_fail_does_not_need_its_components(api, device_token, line):
    line.controller_at_assembly("C-1")
    response = assembly(api, device_token, "C-1", {}, result="fail", defect="solder_bridge")
    assert response.status_code == 201, response.json()


def test_a_child_of_another_part_is_refused(api, device_token, line):
    line.controller_at_assembly("C-0")
    line.controller_at_assembly("C-1")
    response = assembly(api, device_token, "C-1", {"psu": "C-0", "paste": "LOT-A"})
    message = _refused_and_nothing_written(response, 409, "component", "components.psu")
    assert "CTRL_Part" in message and "PSU_Part" in message


def test_an_unregistered_child_is_refused(api, device_token, line):
    line.controller_at_assembly("C-1")
    response = assembly(api, device_token, "C-1", {"psu": "PSU-404", "paste": "LOT-A"})
    message = _refused_and_nothing_written(response, 409, "component", "components.psu")
    assert "PSU-404" in message


def test_an_unfinished_child_is_refused(api, device_token, line):
    scan("PSU-1", "smd", part_no="PSU_Part")
    line.controller_at_assembly("C-1")
    response = assembly(api, device_token, "C-1", {"psu": "PSU-1", "paste": "LOT-A"})
    message = _refused_and_nothing_written(response, 409, "component", "components.psu")
    assert "not finished" in message and "TEST" in message


def test_a_child_on_hold_is_refused(api, device_token, line):
    scan("PSU-1", "smd", part_no="PSU_Part")
    scan("PSU-1", "test", result="fail", defect="solder_bridge")
    line.controller_at_assembly("C-1")
    response = assembly(api, device_token, "C-1", {"psu": "PSU-1", "paste": "LOT-A"})
    message = _refused_and_nothing_written(response, 409, "component", "components.psu")
    assert "PSU-1" in message


def test_a_child_installed_in_another_unit_is_refused(api, device_token, line):
    line.finished_psu("PSU-1")
    line.finished_controller("C-1", "PSU-1")
    line.controller_at_assembly("C-2")
    response = assembly(api, device_token, "C-2", {"psu": "PSU-1", "paste": "LOT-A"})
    body = response.json()
    assert response.status_code == 409
    assert body["error"]["code"] == "component"
    assert "C-1" in body["error"]["fields"]["components.psu"]
    assert installed(child_usid="PSU-1") == [("C-1", "psu", "PSU-1", None)]
    assert not unit_of(line.controller, "C-2")["is_assembly"]


def test_a_non_ascii_component_code_is_invalid_and_names_the_entry(api, device_token, line):
    line.controller_at_assembly("C-1")
    response = assembly(api, device_token, "C-1", {"psu": "PSU-\u041d1", "paste": "LOT-A"})
    message = _refused_and_nothing_written(response, 400, "invalid", "components.psu")
    assert "CYRILLIC" in message


def test_a_lot_code_of_a_thousand_characters_is_invalid(api, device_token, line):
    line.finished_psu("PSU-1")
    line.controller_at_assembly("C-1")
    response = assembly(api, device_token, "C-1", {"psu": "PSU-1", "paste": "L" * 1000})
    message = _refused_and_nothing_written(response, 400, "invalid", "components.paste")
    assert "64" in message


def test_an_unknown_component_key_is_invalid(api, device_token, line):
    line.finished_psu("PSU-1")
    line.controller_at_assembly("C-1")
    response = assembly(api, device_token, "C-1", {"psu": "PSU-1", "paste": "LOT-A", "lid": "X"})
    _refused_and_nothing_written(response, 400, "invalid", "components.lid")


def test_components_are_not_an_object_is_invalid(api, device_token, line):
    line.controller_at_assembly("C-1")
    response = assembly(api, device_token, "C-1", ["PSU-1"])
    _refused_and_nothing_written(response, 400, "invalid", "components")


def test_a_unit_cannot_be_installed_in_itself_or_in_a_unit_it_holds(api, device_token, engineer):
    # A module may hold modules of its own part: the cycle rule is what stops a loop.
    config = {
        "version": 1,
        "stages": [
            {"key": "make", "label": "Make", "result": "done"},
            {
                "key": "fit",
                "label": "Fit",
                "result": "done",
                "optional": True,
                "components": [
                    {
                        "key": "inner",
                        "label": "Inner module",
                        "part_no": "MOD_Part",
                        "required": False,
                    }
                ],
            },
        ],
    }
    from tests.stations.scan_support import part_with_procedure

    part_with_procedure(engineer, "MOD_Part", config)
    for usid in ("M-1", "M-2"):
        scan(usid, "make", part_no="MOD_Part")
    first = api.post(
        {"usid": "M-1", "stage": "fit", "components": {"inner": "M-2"}}, token=device_token
    )
    assert first.status_code == 201, first.json()
    itself = api.post(
        {"usid": "M-2", "stage": "fit", "components": {"inner": "M-2"}}, token=device_token
    )
    assert itself.status_code == 409
    assert "itself" in itself.json()["error"]["fields"]["components.inner"]
    cycle = api.post(
        {"usid": "M-2", "stage": "fit", "components": {"inner": "M-1"}}, token=device_token
    )
    assert cycle.status_code == 409
    assert "cycle" in cycle.json()["error"]["fields"]["components.inner"]
    assert installed() == [("M-1", "inner", "M-2", None)]


def test_a_repeated_scan_with_the_same_components_is_already_recorded(api, device_token, line):
    line.finished_psu("PSU-1")
    line.controller_at_assembly("C-1")
    body = {"psu": "PSU-1", "paste": "LOT-A"}
    assert assembly(api, device_token, "C-1", body).status_code == 201
    again = assembly(api, device_token, "C-1", body)
    assert again.status_code == 200
    assert len(installed(parent_usid="C-1")) == 2
    other = assembly(api, device_token, "C-1", {"psu": "PSU-1", "paste": "LOT-B"})
    assert other.status_code == 409
    assert "LOT-A" in other.json()["error"]["fields"]["components.paste"]


def test_components_at_a_stage_that_installs_none_are_invalid(api, device_token, line):
    response = api.post(
        {"usid": "C-1", "stage": "smd", "part_no": "CTRL_Part", "components": {"psu": "X"}},
        token=device_token,
    )
    assert response.status_code == 400
    assert "components.psu" in response.json()["error"]["fields"]
    assert not Installation.objects.exists()


def test_a_component_entry_is_validated_in_the_procedure(engineer, line):
    from django.core.exceptions import ValidationError

    config = {
        "version": 1,
        "stages": [
            {
                "key": "fit",
                "label": "Fit",
                "components": [
                    {"key": "psu", "label": "PSU"},
                    {"key": "Bad", "label": "x", "kind": "lot"},
                    {"key": "lot", "label": "Lot", "kind": "lot", "part_no": "PSU_Part"},
                    {"key": "psu", "label": "Again", "kind": "lot", "colour": "red"},
                ],
            }
        ],
    }
    with pytest.raises(ValidationError) as refused:
        procedure_apply(part=line.psu, config=config, user=engineer)
    text = " ".join(refused.value.messages)
    assert "stages[0].components[0].part_no" in text
    assert "stages[0].components[1].key" in text
    assert "stages[0].components[2].part_no" in text
    assert 'stages[0].components[3]: "colour" is not something a component can have' in text
    assert (
        'stages[0].components[3].key: "psu" is already the key of stages[0].components[0]' in text
    )


def test_a_new_unit_whose_first_stage_installs_a_taken_child_is_not_registered(
    api, device_token, line
):
    from shopfloor.stations.models import UnitRegistration

    line.finished_psu("PSU-1")
    line.finished_controller("C-1", "PSU-1")
    first = api.post(
        {
            "usid": "CAB-1",
            "stage": "build",
            "part_no": "CAB_Part",
            "components": {"controller": "C-1"},
        },
        token=device_token,
    )
    assert first.status_code == 201, first.json()
    second = api.post(
        {
            "usid": "CAB-2",
            "stage": "build",
            "part_no": "CAB_Part",
            "components": {"controller": "C-1"},
        },
        token=device_token,
    )
    assert second.status_code == 409
    assert "CAB-1" in second.json()["error"]["fields"]["components.controller"]
    assert not UnitRegistration.objects.filter(usid="CAB-2").exists()
    assert not ScanEvent.objects.filter(usid="CAB-2").exists()


def test_after_a_first_install_the_same_rules_hold_for_the_next_children(api, device_token, line):
    """Once a PSU board was installed, the next scans find and lock their children in one
    query per part: each rule still refuses, naming the child."""
    line.finished_psu("PSU-1")
    line.finished_controller("C-1", "PSU-1")
    scan("PSU-2", "smd", part_no="PSU_Part")  # not finished
    scan("PSU-3", "smd", part_no="PSU_Part")
    scan("PSU-3", "test", result="fail", defect="solder_bridge")  # on hold
    line.controller_at_assembly("C-0")
    line.controller_at_assembly("C-2")
    for code, said in (
        ("PSU-2", "not finished"),
        ("psu-3", "on hold"),
        ("PSU-1", "already installed in C-1"),
        ("C-0", "CTRL_Part"),
        ("PSU-404", "PSU-404"),
    ):
        response = assembly(api, device_token, "C-2", {"psu": code, "paste": "LOT-A"})
        body = response.json()
        assert response.status_code == 409 and body["error"]["code"] == "component", body
        assert said in body["error"]["fields"]["components.psu"], (code, body)
        assert not Installation.objects.filter(parent_usid="C-2").exists()
        assert not ScanEvent.objects.filter(usid="C-2", stage="assembly").exists()
    line.finished_psu("PSU-4")
    response = assembly(api, device_token, "C-2", {"psu": "psu-4", "paste": "LOT-A"})
    assert response.status_code == 201, response.content
    assert installed(parent_usid="C-2", component="psu") == [("C-2", "psu", "PSU-4", None)]
