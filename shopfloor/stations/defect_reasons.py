"""The defect reasons a new installation starts with; admins edit the list afterwards."""

DEFAULT_DEFECT_REASONS = [
    ("solder_bridge", "Solder bridge"),
    ("dry_joint", "Dry joint"),
    ("missing_component", "Missing component"),
    ("wrong_component", "Wrong component"),
    ("damaged", "Damaged"),
    ("test_failed", "Test failed"),
    ("other", "Other"),
    ("cfx_symptom", "Machine-reported symptom"),
]
# The defect a scan is recorded with when its result is derived from measurements: made on
# the first such scan, and never offered on the scan screen (it is given, not picked).
OUT_OF_LIMITS = ("out_of_limits", "Out of limits")
# Reasons only machines give (a symptom code no engineer has mapped yet, the code kept on the
# scan): operators are not offered them, on the scan screen or as defect cards.
MACHINE_ONLY_CODES = ("cfx_symptom",)
# What operators never pick: reasons given by measurements or by machines.
NOT_PICKED_CODES = (OUT_OF_LIMITS[0], *MACHINE_ONLY_CODES)


def add_default_defect_reasons(apps, schema_editor=None):
    """Create the default defect reasons that are missing (a data migration calls it)."""
    DefectReason = apps.get_model("stations", "DefectReason")
    for code, label in DEFAULT_DEFECT_REASONS:
        DefectReason.objects.get_or_create(code=code, defaults={"label": label})
