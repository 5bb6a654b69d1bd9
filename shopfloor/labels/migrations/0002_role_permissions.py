from django.db import migrations

from shopfloor.accounts.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("labels", "0001_initial"),
        ("stations", "0002_role_permissions_and_defect_reasons"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
