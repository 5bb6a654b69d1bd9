"""The dashboards read what stations and unit tables record; they own no data of their own.

``Dashboard`` has no table: it exists to carry the permissions that open the dashboards
and the exports, so that an admin can grant them to a group like any other.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Dashboard(models.Model):
    """Holder of the dashboard permissions (no table)."""

    class Meta:
        managed = False
        default_permissions = ()
        verbose_name = _("dashboard")
        verbose_name_plural = _("dashboards")
        permissions = [
            ("view_dashboard", _("Can view the line dashboards and any unit's history")),
            ("export_data", _("Can export a part's units and scan events")),
        ]

    def __str__(self):
        return str(self._meta.verbose_name)
