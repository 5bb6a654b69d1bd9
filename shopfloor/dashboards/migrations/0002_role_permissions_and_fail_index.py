"""Grant the dashboard permissions to their roles, and index the scan log's fails.

First-pass yield needs, per part, every unit that ever failed a stage. The scan log's own
indexes would make that a walk over all of a part's events (millions); this partial index
holds only the fails (a few percent of the log) in (part, usid, stage) order, so the
dashboards read them without touching the table. The index belongs to the stations app's
table but only the dashboards read it, so it is made here; the model's state is unchanged.
"""

from django.db import migrations, models

from shopfloor.accounts.roles import sync_role_groups

FAILS_INDEX = models.Index(
    fields=["part", "usid", "stage"],
    condition=models.Q(result="fail", action="scan"),
    name="dashboards_event_fails",
)


def add_fails_index(apps, schema_editor):
    schema_editor.add_index(apps.get_model("stations", "ScanEvent"), FAILS_INDEX)


def remove_fails_index(apps, schema_editor):
    schema_editor.remove_index(apps.get_model("stations", "ScanEvent"), FAILS_INDEX)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0001_initial"),
        ("accounts", "0002_role_groups"),
        ("stations", "0002_role_permissions_and_defect_reasons"),
    ]

    operations = [
        migrations.RunPython(sync_role_groups, migrations.RunPython.noop),
        migrations.RunPython(add_fails_index, remove_fails_index),
    ]
