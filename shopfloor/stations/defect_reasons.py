"""The defect reasons a new installation starts with; admins edit the list afterwards."""

DEFAULT_DEFECT_REASONS = [
    ("solder_bridge", "Solder bridge"),
    ("dry_joint", "Dry joint"),
    ("missing_component", "Missing component"),
    ("wrong_component", "Wrong component"),
    ("damaged", "Damaged"),
    ("test_failed", "Test failed"),
    ("other", "Other"),
    # A machine reported a symptom or defect code no engineer has mapped yet (the code is kept
    # on the scan).
    ("cfx_symptom", "Machine-reported symptom"),
]
# The defect a scan is recorded with when its result is derived from measurements: made on
# the first such scan, and never offered on the scan screen (it is given, not picked).
OUT_OF_LIMITS = ("out_of_limits", "Out of limits")


def add_default_defect_reasons(apps, schema_editor=None):
    """Create the default defect reasons that are missing (a data migration calls it)."""
    DefectReason = apps.get_model("stations", "DefectReason")
    for code, label in DEFAULT_DEFECT_REASONS:
        DefectReason.objects.get_or_create(code=code, defaults={"label": label})
