from django.db import migrations

from shopfloor.accounts.roles import sync_role_groups


class Migration(migrations.Migration):
    """Engineers read a part's audit trail (parts.view_partchange)."""

    dependencies = [
        ("parts", "0002_part_archive_audit_thumbnails"),
        ("accounts", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
