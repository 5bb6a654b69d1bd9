"""A part whose Testing stage captures values, for the tests of data at the stage."""

from tests.stations.scan_support import stage

TESTED_PROCEDURE = {
    "version": 1,
    "stages": [stage("smd"), stage("testing", "pass_fail"), stage("pack")],
    "fields": [
        {
            "key": "v_out",
            "label": "Output voltage",
            "type": "measurement",
            "unit": "V",
            "min": 4.75,
            "max": 5.25,
            "stage": "testing",
            "required": True,
        },
        {"key": "mac", "label": "MAC address", "type": "text", "stage": "testing", "unique": True},
        {
            "key": "firmware",
            "label": "Firmware",
            "type": "choice",
            "choices": ["1.0", "1.1", "2.0"],
            "stage": "testing",
            "default": "2.0",
        },
        {"key": "calibrated_on", "label": "Calibrated on", "type": "date", "stage": "testing"},
        {"key": "cycles", "label": "Cycles", "type": "integer", "stage": "pack"},
        {"key": "note", "label": "Note", "type": "text"},
    ],
}
