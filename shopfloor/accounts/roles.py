"""The roles people hold on the floor, as Django groups with their permissions.

Views check permissions, not group names, so an admin can tune a group in the admin;
the groups below are what a new installation starts with.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ENGINEER = "Engineer", _("Engineer")
    OPERATOR = "Operator", _("Operator")
    SUPERVISOR = "Supervisor", _("Supervisor")


VIEW_PARTS = ["parts.view_modelpart", "procedures.view_partproceduredetail"]
DASHBOARDS = ["dashboards.view_dashboard", "dashboards.export_data"]

ROLE_PERMISSIONS = {
    Role.ENGINEER: [
        *VIEW_PARTS,
        "parts.add_modelpart",
        "parts.change_modelpart",
        "parts.view_partchange",
        "procedures.add_partproceduredetail",
        "procedures.change_partproceduredetail",
        "stations.view_station",
        "stations.add_station",
        "stations.change_station",
        "stations.view_defectreason",
        "stations.add_defectreason",
        "stations.change_defectreason",
        "stations.view_apitoken",
        "stations.add_apitoken",
        "stations.change_apitoken",
        "stations.edit_unit_values",
        *DASHBOARDS,
        "dashboards.manage_displays",
        "dashboards.view_andonthreshold",
        "dashboards.change_andonthreshold",
        "labels.issue_serials",
        "labels.view_labeltemplate",
        "labels.add_labeltemplate",
        "labels.change_labeltemplate",
        "labels.view_printer",
        "labels.add_printer",
        "labels.change_printer",
        "labels.change_stationprinting",
        "operators.view_qualificationrule",
        "operators.add_qualificationrule",
        "operators.delete_qualificationrule",
        "operators.view_qualification",
        "cfx.view_endpoint",
        "cfx.change_endpoint",
        "cfx.view_deadletter",
        "cfx.replay_deadletter",
    ],
    Role.OPERATOR: [*VIEW_PARTS, "stations.view_station", "stations.scan_unit"],
    Role.SUPERVISOR: [
        *VIEW_PARTS,
        "stations.view_station",
        "stations.view_scanevent",
        "stations.override_unit",
        "stations.edit_unit_values",
        *DASHBOARDS,
        "dashboards.manage_displays",
        "labels.reprint_label",
        "operators.view_qualificationrule",
        "operators.view_qualification",
        "operators.add_qualification",
        "operators.change_qualification",
    ],
}


def user_roles(user):
    """The roles a user holds; a superuser holds all of them."""
    if not user.is_authenticated:
        return frozenset()
    if user.is_superuser:
        return frozenset(Role)
    names = {group.name for group in user.groups.all()}
    return frozenset(role for role in Role if role.value in names)


def sync_role_groups(apps, schema_editor=None):
    """Create the role groups and grant each the permissions listed in ROLE_PERMISSIONS.

    Called from data migrations (with the migration's ``apps``); safe to call again when
    a later migration adds models whose permissions a role should have. Permissions of
    models that do not exist yet are skipped.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # create_permissions skips app configs without a models module, which is how
        # a migration's historical apps look; mark them for the call and restore.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role.value)
        for name in names:
            app_label, codename = name.split(".")
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                group.permissions.add(permission)
