from django.db import migrations

from shopfloor.accounts.roles import sync_role_groups

DEFECT_REASONS = [
    ("solder_bridge", "Solder bridge"),
    ("dry_joint", "Dry joint"),
    ("missing_component", "Missing component"),
    ("wrong_component", "Wrong component"),
    ("damaged", "Damaged"),
    ("test_failed", "Test failed"),
    ("other", "Other"),
]


def add_defect_reasons(apps, schema_editor):
    DefectReason = apps.get_model("stations", "DefectReason")
    for code, label in DEFECT_REASONS:
        DefectReason.objects.get_or_create(code=code, defaults={"label": label})


class Migration(migrations.Migration):
    dependencies = [
        ("stations", "0001_initial"),
        ("accounts", "0002_role_groups"),
    ]

    operations = [
        migrations.RunPython(sync_role_groups, migrations.RunPython.noop),
        migrations.RunPython(add_defect_reasons, migrations.RunPython.noop),
    ]
