"""The dashboards read what stations and unit tables record; the only rows they keep are
counts of those records, which can always be counted again.

``Dashboard`` has no table: it exists to carry the permissions that open the dashboards
and the exports, so that an admin can grant them to a group like any other.
``PartCounts`` keeps each part's counted units for every process and server (see
``figure_cache``).
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


class PartCounts(models.Model):
    """A part's units counted by block of primary keys, as ``figure_cache`` keeps them.

    ``shape`` names the stages the counts are for (keys, order, optional, pass or fail) and
    ``day`` the day "finished today" is counted for; ``blocks`` maps each block to its counts
    and ``block_times`` to when it was counted (seconds since the epoch), both as of
    ``counted_at``. Deleting a row only means the part is counted afresh.
    """

    part = models.OneToOneField(
        "parts.ModelPart", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    shape = models.CharField(max_length=64)
    day = models.DateField()
    counted_at = models.DateTimeField()
    blocks = models.JSONField(default=dict)
    block_times = models.JSONField(default=dict)

    class Meta:
        default_permissions = ()
        verbose_name = _("part's counted units")
        verbose_name_plural = _("parts' counted units")

    def __str__(self):
        return f"Counts of part {self.part_id} at {self.counted_at:%Y-%m-%d %H:%M:%S}"
