"""The scan rules, the same for the screen and the API (both call ``scan_record``)."""

import pytest

from parts.services import part_archive
from procedures.services import procedure_apply
from shopfloor.stations.models import ScanEvent, UnitRegistration
from tests.stations.scan_support import PROCEDURE, part_with_procedure, scan, stage, unit_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def part(engineer):
    return part_with_procedure(engineer)


@pytest.fixture
def unit(part):
    """U1, registered at SMD with a pass."""
    assert scan("U1", "smd", part_no=part.part_no).status == "recorded"
    return "U1"


def events():
    return list(ScanEvent.objects.order_by("id").values_list("usid", "stage", "result"))


def test_the_first_scan_at_the_first_stage_registers_the_unit_to_its_part(part):
    outcome = scan("U1", "smd", part_no=part.part_no)

    assert (outcome.status, outcome.message) == ("recorded", "U1 recorded at SMD: pass.")
    assert UnitRegistration.objects.get(usid="U1").part == part
    row = unit_of(part, "U1")
    assert row["is_smd"] and row["smd_result"] == "pass" and row["smd_at"] is not None
    assert events() == [("U1", "smd", "pass")]


def test_a_scanner_suffix_is_removed_before_recording(part):
    assert scan("U1\r\n", "smd", part_no=part.part_no).status == "recorded"

    assert unit_of(part, "U1") is not None


def test_an_unknown_usid_without_its_part_is_refused_and_writes_nothing(part):
    outcome = scan("U404", "smd")

    assert outcome.code == "unknown_unit"
    assert "name its part" in outcome.message
    assert not UnitRegistration.objects.exists() and not events()


def test_an_unknown_part_is_refused_and_writes_nothing(part):
    outcome = scan("U1", "smd", part_no="NO_SUCH_PART")

    assert (outcome.code, outcome.message) == ("unknown_part", "There is no part NO_SUCH_PART.")
    assert not UnitRegistration.objects.exists()


def test_a_new_unit_cannot_start_at_a_later_stage(part):
    outcome = scan("U1", "qc", part_no=part.part_no)

    assert outcome.code == "unknown_unit"
    assert "new units of EICS112_Part start at SMD" in outcome.message
    assert unit_of(part, "U1") is None and not events()


def test_new_units_start_after_a_stage_made_optional_from_the_next_scan_on(engineer, part):
    # The stages new units start at are worked out once per procedure version.
    assert scan("U1", "qc", part_no=part.part_no).code == "unknown_unit"
    config = {**PROCEDURE, "stages": [{**PROCEDURE["stages"][0], "optional": True}]}
    config["stages"] += PROCEDURE["stages"][1:]
    procedure_apply(part=part, config=config, user=engineer)

    outcome = scan("U2", "qc", part_no=part.part_no)

    assert (outcome.status, outcome.message) == ("recorded", "U2 recorded at QC: pass.")
    assert unit_of(part, "U2")["is_qc"] and not unit_of(part, "U2")["is_smd"]


def test_a_later_stage_finds_the_part_from_the_usid_alone(part, unit):
    assert scan(unit, "qc").status == "recorded"

    assert unit_of(part, unit)["is_qc"]


def test_a_usid_belongs_to_exactly_one_part(engineer, part, unit):
    other = part_with_procedure(engineer, part_no="EICS200_Part")

    outcome = scan(unit, "smd", part_no=other.part_no)

    assert outcome.code == "other_part"
    assert outcome.message == "U1 belongs to part EICS112_Part, not EICS200_Part."
    assert unit_of(other, unit) is None
    assert len(events()) == 1


def test_scan_at_dispatch_before_qc_is_refused_and_writes_nothing(part, unit):
    outcome = scan(unit, "dispatch")

    assert outcome.code == "stage_order"
    assert outcome.details == {"missing": ["qc"]}
    assert "QC not done yet" in outcome.message
    assert not unit_of(part, unit)["is_dispatch"]
    assert len(events()) == 1


def test_an_optional_stage_may_be_skipped(part, unit):
    assert scan(unit, "qc").status == "recorded"
    assert scan(unit, "dispatch").status == "recorded"

    assert not unit_of(part, unit)["is_leaded"]


def test_a_repeated_scan_is_recorded_once_and_answered_already_recorded(part, unit):
    outcome = scan(unit, "smd")

    assert outcome.status == "already_recorded"
    assert "already recorded at SMD" in outcome.message
    assert len(events()) == 1


def test_a_fail_holds_the_unit_until_it_is_reworked_and_passes_again(part, unit):
    failed = scan(unit, "qc", result="fail", defect="solder_bridge")
    assert failed.message == "U1 recorded at QC: fail (Solder bridge)."
    assert unit_of(part, unit)["on_hold"]

    held = scan(unit, "dispatch")
    assert held.code == "on_hold"
    assert "failed QC and is on hold until it is reworked and passes QC again" in held.message
    assert scan(unit, "qc", result="fail", defect="solder_bridge").status == "already_recorded"

    assert scan(unit, "qc").status == "recorded"
    assert not unit_of(part, unit)["on_hold"]
    assert scan(unit, "dispatch").status == "recorded"
    assert events() == [
        ("U1", "smd", "pass"),
        ("U1", "qc", "fail"),
        ("U1", "qc", "pass"),
        ("U1", "dispatch", "pass"),
    ]
    assert ScanEvent.objects.get(result="fail").defect.code == "solder_bridge"


def test_a_recorded_pass_cannot_be_turned_into_a_fail_by_a_scan(part, unit):
    outcome = scan(unit, "smd", result="fail", defect="damaged")

    assert outcome.code == "result_conflict"
    assert "a supervisor can undo it" in outcome.message
    assert unit_of(part, unit)["smd_result"] == "pass"


def test_a_stage_that_is_only_marked_done_has_no_fail(part, unit):
    scan(unit, "qc")

    outcome = scan(unit, "dispatch", result="fail", defect="damaged")

    assert (
        outcome.details["fields"]["result"]
        == "DISPATCH is only marked done: it has no pass or fail."
    )


def test_a_stage_the_part_does_not_have_is_refused(part, unit):
    outcome = scan(unit, "spraying")

    assert outcome.details["fields"]["stage"] == "Part EICS112_Part has no stage spraying."
    assert len(events()) == 1


def test_a_retired_stage_is_refused_as_retired(engineer, part, unit):
    without_leaded = {
        **PROCEDURE,
        "stages": [s for s in PROCEDURE["stages"] if s["key"] != "leaded"],
    }
    procedure_apply(part=part, config=without_leaded, user=engineer)

    outcome = scan(unit, "leaded")

    assert (
        outcome.details["fields"]["stage"] == "The stage leaded was retired from part EICS112_Part."
    )
    assert len(events()) == 1


def test_a_new_procedure_version_is_followed_by_the_next_scan(engineer, part, unit):
    assert scan(unit, "qc").status == "recorded"
    with_testing = {
        **PROCEDURE,
        "stages": [*PROCEDURE["stages"][:3], stage("testing"), PROCEDURE["stages"][3]],
    }
    procedure_apply(part=part, config=with_testing, user=engineer)

    outcome = scan(unit, "dispatch")

    assert outcome.details == {"missing": ["testing"]}


def test_the_tag_is_paired_once_and_a_different_tag_is_refused(part):
    assert scan("U1", "smd", part_no=part.part_no, tag_no="T-55").status == "recorded"
    assert unit_of(part, "U1")["tag_no"] == "T-55"

    other_tag = scan("U1", "qc", tag_no="T-99")
    same_tag_elsewhere = scan("U2", "smd", part_no=part.part_no, tag_no="T-55")

    assert other_tag.message == "U1 is paired with tag T-55, not T-99."
    assert same_tag_elsewhere.message == "Tag T-55 is already paired with U1."
    assert unit_of(part, "U2") is None
    assert scan("U1", "qc", tag_no="T-55").status == "recorded"


def test_an_archived_part_is_refused_and_nothing_is_written(part, unit, engineer):
    part_archive(part=part, archived_by=engineer)

    later_stage = scan(unit, "qc")
    new_unit = scan("U2", "smd", part_no=part.part_no)

    for outcome in (later_stage, new_unit):
        assert outcome.code == "part_archived"
        assert outcome.message == "Part EICS112_Part is archived: its units are no longer scanned."
    assert not unit_of(part, unit)["is_qc"] and unit_of(part, "U2") is None
    assert len(events()) == 1


def test_the_part_no_is_matched_without_regard_to_letter_case(part):
    assert scan("U1", "smd", part_no="eics112_part").status == "recorded"
    assert scan("U1", "qc", part_no="EICS112_PART").status == "recorded"


def test_a_part_without_a_procedure_is_refused(make_part):
    outcome = scan("U1", "smd", part_no=make_part("BARE_Part").part_no)

    assert (outcome.code, outcome.message) == (
        "no_procedure",
        "Part BARE_Part has no procedure yet: nothing to scan.",
    )
    assert not UnitRegistration.objects.exists()
