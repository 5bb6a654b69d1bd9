"""Grant the dashboard permissions to their roles, and index the scan log's fails.

First-pass yield needs, per part, every unit that ever failed a stage, and the defect chart
a part's fails in a period. The scan log's own indexes would make the first a walk over all
of a part's events (millions) and the second a table read per event; this partial index holds
only the fails (a few percent of the log), by part and time, with the unit, stage and defect
alongside (PostgreSQL reads them from the index alone; SQLite keeps the key columns only).
The index belongs to the stations app's table but only the dashboards read it, so it is made
here; the model's state is unchanged.
"""

from django.db import migrations, models

from shopfloor.accounts.roles import sync_role_groups

FAILS_INDEX = models.Index(
    fields=["part", "created_at"],
    include=["usid", "stage", "defect"],
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
