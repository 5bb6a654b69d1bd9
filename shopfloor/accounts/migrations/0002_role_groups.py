from django.db import migrations

from shopfloor.accounts.roles import sync_role_groups


def remove_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=["Engineer", "Operator", "Supervisor"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("parts", "0001_initial"),
        ("procedures", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(sync_role_groups, remove_role_groups)]
