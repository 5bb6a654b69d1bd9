"""The readable account of a procedure change, as the history and the editor show it."""

from procedures.config_diff import config_changes

SAVED = {
    "version": 1,
    "stages": [
        {"key": "smd", "label": "SMD", "optional": False, "result": "pass_fail"},
        {"key": "qc", "label": "QC", "optional": False, "result": "pass_fail"},
        {"key": "dispatch", "label": "Dispatch", "optional": False, "result": "done"},
    ],
    "fields": [
        {"key": "firmware", "label": "Firmware", "type": "text", "required": False},
    ],
}


def lines(old, new):
    return [
        f"{change.kind} {change.subject}"
        + (f": {'; '.join(change.details)}" if change.details else "")
        for change in config_changes(old, new)
    ]


def test_a_first_procedure_lists_every_stage_and_field_as_added():
    assert lines({}, SAVED) == [
        "added Stage SMD (smd): first",
        "added Stage QC (qc): after SMD",
        "added Stage Dispatch (dispatch): after QC",
        "added Field Firmware (firmware): first",
    ]


def test_the_same_procedure_has_no_changes():
    assert lines(SAVED, SAVED) == []


def test_added_removed_and_relabelled_entries_are_named():
    new = {
        "version": 1,
        "stages": [
            {"key": "smd", "label": "SMD line", "optional": True, "result": "pass_fail"},
            {"key": "glueing", "label": "Glueing", "optional": False, "result": "done"},
            {
                "key": "dispatch",
                "label": "Dispatch",
                "optional": False,
                "result": "done",
                "media": ["part_image"],
                "instructions": "Box it",
            },
        ],
        "fields": [
            {
                "key": "firmware",
                "label": "Firmware",
                "type": "choice",
                "required": True,
                "choices": ["1.0", "1.1"],
            },
        ],
    }

    assert lines(SAVED, new) == [
        "removed Stage QC (qc)",
        "changed Stage SMD line (smd): label: “SMD” → “SMD line”; optional: no → yes",
        "added Stage Glueing (glueing): after SMD line",
        "changed Stage Dispatch (dispatch): media: none → Part image; instructions changed",
        "changed Field Firmware (firmware): type: Text → Choice; required: no → yes; "
        "choices: none → 1.0, 1.1",
    ]


def test_moving_stages_reports_the_old_and_new_order():
    stages = SAVED["stages"]
    new = {**SAVED, "stages": [stages[1], stages[0], stages[2]]}

    assert lines(SAVED, new) == [
        "reordered Stage order: was: SMD → QC → Dispatch; now: QC → SMD → Dispatch"
    ]
