"""The dashboards read what stations and unit tables record; the only rows they keep are
counts of those records, which can always be counted again.

``Dashboard`` has no table: it exists to carry the permissions that open the dashboards
and the exports, so that an admin can grant them to a group like any other.
``PartCounts`` keeps each part's counted units for every process and server (see
``figure_cache``).
"""

from django.conf import settings
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
        return _("Counts of part %(part)s at %(when)s") % {
            "part": self.part_id,
            "when": f"{self.counted_at:%Y-%m-%d %H:%M:%S}",
        }


class DisplayToken(models.Model):
    """A read-only link that opens the line TV view, and nothing else, without a sign-in.

    Only the SHA-256 of the secret is kept: the link is shown once, when it is created. A
    revoked token stays listed (who made it, when it was revoked) and opens nothing.
    """

    name = models.CharField(
        _("display name"), max_length=80, help_text=_("Where the screen hangs, e.g. “Line A TV”.")
    )
    key_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    page_seconds = models.PositiveSmallIntegerField(
        _("seconds per page"),
        default=15,
        help_text=_("With more parts than fit one screen, the screen turns to the next page."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["revoked_at", "name", "pk"]
        default_permissions = ()
        permissions = [("manage_displays", _("Can create and revoke line TV display links"))]
        verbose_name = _("line TV display link")
        verbose_name_plural = _("line TV display links")

    def __str__(self):
        return self.name

    @property
    def is_active(self):
        return self.revoked_at is None


class AndonThreshold(models.Model):
    """The limits past which a stage of a part shows red on the line TV: units waiting at
    the stage, and the share of units tested there that failed the first time."""

    part = models.ForeignKey("parts.ModelPart", on_delete=models.CASCADE, related_name="+")
    stage_key = models.CharField(_("stage"), max_length=64)
    max_waiting = models.PositiveIntegerField(
        _("most units waiting"),
        null=True,
        blank=True,
        help_text=_("Red when more units than this wait at the stage."),
    )
    max_fail_percent = models.PositiveSmallIntegerField(
        _("highest fail rate (%)"),
        null=True,
        blank=True,
        help_text=_("Red when a larger share of the units tested here failed the first time."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["part", "stage_key"]
        default_permissions = ("view", "change")
        constraints = [
            models.UniqueConstraint(fields=["part", "stage_key"], name="andon_one_per_part_stage")
        ]
        verbose_name = _("andon threshold")
        verbose_name_plural = _("andon thresholds")

    def __str__(self):
        return f"{self.part_id} {self.stage_key}"
