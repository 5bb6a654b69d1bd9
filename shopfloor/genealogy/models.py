"""What went into each unit: one row per component installed, kept when it is replaced.

An ``Installation`` ties a parent unit (by its USID as registered) to a child unit of another
part or to a material lot code, at the stage and component entry of the parent's procedure
that installed it. A repair does not delete the row: it marks it removed (when, by whom, why)
and a new row records the replacement, so the history keeps both.

Two partial unique indexes make the rules hold under concurrency, whatever the code above
them checked: a child unit is installed in at most one unit at a time, and a component entry
of a parent holds at most one current installation.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parts.models import ModelPart
from parts.unit_tables.naming import KEY_MAX_LENGTH, USID_MAX_LENGTH

LOT_MAX_LENGTH = 64
DESIGNATOR_MAX_LENGTH = 30


class InstallationQuerySet(models.QuerySet):
    def current(self):
        """Installations still in place (not removed by a repair)."""
        return self.filter(removed_at__isnull=True)


class Installation(models.Model):
    """A component (a child unit or a material lot) installed in a parent unit."""

    parent_usid = models.CharField(_("installed in"), max_length=USID_MAX_LENGTH)
    parent_part = models.ForeignKey(
        ModelPart,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("part of the unit"),
        db_index=False,
    )
    stage = models.CharField(_("stage"), max_length=KEY_MAX_LENGTH)
    component = models.CharField(
        _("component"), max_length=KEY_MAX_LENGTH, help_text=_("The entry's key in the stage.")
    )
    # NULL, not "", where the component is a lot: the unique index on installed children
    # and the child-or-lot check rely on it.
    child_usid = models.CharField(  # noqa: DJ001
        _("child unit"), max_length=USID_MAX_LENGTH, null=True, blank=True
    )
    child_part = models.ForeignKey(
        ModelPart,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("part of the child"),
        db_index=False,
    )
    lot = models.CharField(  # noqa: DJ001
        _("lot code"), max_length=LOT_MAX_LENGTH, null=True, blank=True
    )
    installed_at = models.DateTimeField(_("installed at"), default=timezone.now)
    installed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("installed by"),
        db_index=False,
    )
    event_id = models.BigIntegerField(
        _("scan event"), null=True, blank=True, help_text=_("The scan that installed it.")
    )
    designator = models.CharField(
        _("reference designator"), max_length=DESIGNATOR_MAX_LENGTH, blank=True
    )
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("removed by"),
        db_index=False,
    )
    removal_reason = models.TextField(_("reason for the repair"), blank=True)

    objects = InstallationQuerySet.as_manager()

    class Meta:
        verbose_name = _("installed component")
        verbose_name_plural = _("installed components")
        ordering = ["installed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["child_usid"],
                condition=Q(removed_at__isnull=True, child_usid__isnull=False),
                name="genealogy_child_installed_once",
            ),
            models.UniqueConstraint(
                fields=["parent_usid", "component"],
                condition=Q(removed_at__isnull=True),
                name="genealogy_entry_filled_once",
            ),
            models.CheckConstraint(
                condition=Q(child_usid__isnull=True, lot__isnull=False)
                | Q(child_usid__isnull=False, lot__isnull=True),
                name="genealogy_child_or_lot",
            ),
        ]
        indexes = [
            models.Index(fields=["parent_usid"], name="genealogy_parent"),
            models.Index(fields=["child_usid"], name="genealogy_child"),
            # The trace's steps read only these indexes (index-only scans): a lot's holders,
            # then each holder's holder, with the parent's USID and part in the index itself.
            models.Index(
                fields=["lot", "parent_usid", "parent_part"],
                condition=Q(lot__isnull=False, removed_at__isnull=True),
                name="genealogy_lot_holder",
            ),
            models.Index(
                fields=["child_usid", "parent_usid", "parent_part"],
                condition=Q(child_usid__isnull=False, removed_at__isnull=True),
                name="genealogy_child_holder",
            ),
        ]

    def __str__(self):
        return f"{self.child_usid or self.lot} in {self.parent_usid}"

    def get_absolute_url(self):
        return reverse("dashboards:unit", args=[self.parent_usid])

    @property
    def code(self):
        return self.child_usid or self.lot
