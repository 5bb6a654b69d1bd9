"""Operators at shared station devices: badges and PINs, and who is qualified for what.

A badge code is never stored: the badge's row keeps a keyed hash of it (``badges.py``), which
finds the account and keeps two people from holding the same code, and nothing from which the
code could be read back. A PIN is stored like a password.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parts.models import ModelPart
from shopfloor.stations.models import STAGE_KEY_MAX_LENGTH, Station


class OperatorBadge(models.Model):
    """One account's badge, its PIN and what a badge sign-in may open."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="operator_badge",
        verbose_name=_("operator"),
    )
    code_digest = models.CharField(
        _("badge code digest"),
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text=_("A keyed hash of the badge code; the code itself is never stored."),
    )
    pin = models.CharField(_("PIN"), max_length=128, blank=True, editable=False)
    opens_all_pages = models.BooleanField(
        _("a badge sign-in opens every page of the account"),
        default=False,
        help_text=_(
            "Off: a badge sign-in opens only the station's scan screen; other pages ask for "
            "the email and password."
        ),
    )
    issued_at = models.DateTimeField(_("badge issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("badge issued by"),
    )

    class Meta:
        verbose_name = _("operator badge")
        verbose_name_plural = _("operator badges")
        ordering = ["user__email"]
        permissions = [("issue_badge", _("Can issue badges and PINs to operators"))]

    def __str__(self):
        return str(self.user)

    @property
    def has_badge(self):
        return bool(self.code_digest)

    @property
    def has_pin(self):
        return bool(self.pin)


class QualificationRule(models.Model):
    """A station, or a stage of a part, that only qualified operators may work at."""

    station = models.OneToOneField(
        Station,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="qualification_rule",
        verbose_name=_("station"),
    )
    part = models.ForeignKey(
        ModelPart,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="qualification_rules",
        verbose_name=_("part"),
    )
    stage = models.CharField(
        _("stage"),
        max_length=STAGE_KEY_MAX_LENGTH,
        blank=True,
        help_text=_("The stage key of the part's procedure, e.g. smd."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("qualification rule")
        verbose_name_plural = _("qualification rules")
        ordering = ["station__name", "part__part_no", "stage"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(station__isnull=False, part__isnull=True, stage="")
                    | Q(station__isnull=True, part__isnull=False) & ~Q(stage="")
                ),
                name="operators_rule_station_or_part_stage",
            ),
            models.UniqueConstraint(
                fields=["part", "stage"],
                condition=Q(part__isnull=False),
                name="operators_rule_part_stage_unique",
            ),
        ]

    def __str__(self):
        if self.station_id:
            return _("station %(name)s") % {"name": self.station.name}
        return _("stage %(stage)s of %(part)s") % {"stage": self.stage, "part": self.part.part_no}


class QualificationQuerySet(models.QuerySet):
    def valid(self, day=None):
        """Qualifications that hold on ``day`` (today by default): expiry is inclusive."""
        return self.filter(expires_on__gte=day or timezone.localdate())


class Qualification(models.Model):
    """An operator qualified for one rule until an expiry date (inclusive)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="qualifications",
        verbose_name=_("operator"),
    )
    rule = models.ForeignKey(
        QualificationRule,
        on_delete=models.CASCADE,
        related_name="qualifications",
        verbose_name=_("qualified for"),
    )
    expires_on = models.DateField(
        _("expires on"), help_text=_("The last day the qualification holds.")
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )

    objects = QualificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        ordering = ["rule", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "rule"], name="operators_one_per_rule"),
        ]

    def __str__(self):
        return f"{self.user} · {self.rule} · {self.expires_on}"

    @property
    def has_expired(self):
        return self.expires_on < timezone.localdate()


class BadgeFailure(models.Model):
    """One refused badge or PIN at a station: the throttle counts these (``throttling.py``)."""

    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="+", verbose_name=_("station")
    )
    code_digest = models.CharField(_("badge code digest"), max_length=64)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("refused badge")
        verbose_name_plural = _("refused badges")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["station", "at"], name="operators_failure_station"),
            models.Index(fields=["code_digest", "at"], name="operators_failure_badge"),
        ]

    def __str__(self):
        return f"{self.station} · {self.at:%Y-%m-%d %H:%M:%S}"
