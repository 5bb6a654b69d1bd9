from django.db import migrations

from shopfloor.accounts.roles import sync_role_groups
from shopfloor.stations.defect_reasons import add_default_defect_reasons


def forward(apps, schema_editor):
    sync_role_groups(apps, schema_editor)
    add_default_defect_reasons(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("cfx", "0001_endpoints_messages_dead_letters"),
        ("stations", "0011_scan_source_cfx"),
        ("labels", "0002_role_permissions"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
