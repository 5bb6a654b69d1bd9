from django.db import migrations

from shopfloor.accounts.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [("operators", "0001_badges_and_qualifications")]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
