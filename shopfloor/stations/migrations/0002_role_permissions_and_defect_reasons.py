from django.db import migrations

from shopfloor.accounts.roles import sync_role_groups
from shopfloor.stations.defect_reasons import add_default_defect_reasons


class Migration(migrations.Migration):
    dependencies = [
        ("stations", "0001_initial"),
        ("accounts", "0002_role_groups"),
    ]

    operations = [
        migrations.RunPython(sync_role_groups, migrations.RunPython.noop),
        migrations.RunPython(add_default_defect_reasons, migrations.RunPython.noop),
    ]
