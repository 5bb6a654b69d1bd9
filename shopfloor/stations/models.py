"""Stations, their API tokens, defect reasons, the global USID index, the scan event log and
the receipts that answer a replayed scan."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parts.models import ModelPart
from parts.unit_tables.naming import KEY_MAX_LENGTH, KEY_PATTERN, USID_MAX_LENGTH
from shopfloor.languages import language_field

STAGE_KEY_MAX_LENGTH = KEY_MAX_LENGTH
SCAN_ID_MAX_LENGTH = 64
# A unit registered before USIDs ignored case, whose USID differs only by case from an older
# unit's, is keyed by this mark and its exact USID: no case-folded key can start with it (new
# USIDs are printable ASCII), so it stays reachable by its exact USID and never by another case.
CASE_TWIN_MARK = "\u2260"
USID_KEY_MAX_LENGTH = USID_MAX_LENGTH + len(CASE_TWIN_MARK)
REASON_MAX_LENGTH = 500

stage_key_validator = RegexValidator(
    rf"^{KEY_PATTERN.pattern}\Z",
    _("A stage key is lowercase letters, digits and underscores, starting with a letter."),
    code="stage_key",
)


class Station(models.Model):
    """A named place on the line where one stage is scanned, e.g. "QC-1" on "Line A"."""

    name = models.CharField(
        _("name"), max_length=60, unique=True, help_text=_("Unique, e.g. QC-1.")
    )
    line = models.CharField(_("line"), max_length=60, help_text=_("e.g. Line A."))
    stage = models.CharField(
        _("stage"),
        max_length=STAGE_KEY_MAX_LENGTH,
        validators=[stage_key_validator],
        help_text=_("The key of the stage scanned here, e.g. qc."),
    )
    parts = models.ManyToManyField(
        ModelPart,
        blank=True,
        related_name="stations",
        verbose_name=_("parts"),
        help_text=_(
            "The parts this station runs. New units are registered to the part chosen "
            "here; leave empty to accept units of every part."
        ),
    )
    pairs_tag = models.BooleanField(
        _("pairs tag labels"),
        default=False,
        help_text=_(
            "After each USID the operator scans the unit's tag label, which is paired with it."
        ),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive stations cannot be picked or scanned at; their history stays."),
    )
    language = language_field(
        _(
            "The language of the pages on this station's bound devices, for people who have "
            "not chosen one. Blank: the browser's language."
        )
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        ordering = ["line", "name"]

    def __str__(self):
        return f"{self.name} ({self.line})"

    def get_absolute_url(self):
        return reverse("stations:scan", kwargs={"pk": self.pk})


class ApiToken(models.Model):
    """A bearer token of one station or device for the scan API; only its hash is stored."""

    name = models.CharField(
        _("name"),
        max_length=100,
        unique=True,
        help_text=_("The station or device that holds the token, e.g. QC-1 or test-rig-3."),
    )
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_tokens",
        verbose_name=_("station"),
        help_text=_("A station's token may scan only that station's stage."),
    )
    stages = models.CharField(
        _("allowed stages"),
        max_length=300,
        blank=True,
        help_text=_("Comma-separated stage keys this token may scan; empty allows every stage."),
    )
    may_read = models.BooleanField(
        _("may read units"),
        default=False,
        help_text=_(
            "Lets the token read units (their history, with names and hold reasons) and part "
            "summaries through the API; scanning needs no reading."
        ),
    )
    key_prefix = models.CharField(_("token starts with"), max_length=12, editable=False)
    key_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    is_revoked = models.BooleanField(_("revoked"), default=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
        editable=False,
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def stage_list(self):
        return [key.strip() for key in self.stages.split(",") if key.strip()]

    def clean(self):
        super().clean()
        for key in self.stage_list:
            try:
                stage_key_validator(key)
            except ValidationError:
                raise ValidationError(
                    {"stages": _("%(key)r is not a stage key.") % {"key": key}},
                    code="stage_key",
                ) from None
        if self.station_id and self.stage_list and self.stage_list != [self.station.stage]:
            raise ValidationError(
                {
                    "stages": _("The token of station %(station)s may scan only %(stage)s.")
                    % {"station": self.station.name, "stage": self.station.stage}
                },
                code="station_stage",
            )


class DefectReason(models.Model):
    """One entry of the list operators pick from when a unit fails a stage."""

    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("Sent by the scan API as 'defect', e.g. solder_bridge."),
    )
    label = models.CharField(_("label"), max_length=100, help_text=_("e.g. Solder bridge."))
    category = models.CharField(
        _("category"),
        max_length=60,
        blank=True,
        help_text=_("Groups reasons in the defect Pareto, e.g. Soldering, Components, Test."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_(
            "Inactive reasons are no longer offered; the units that failed with them keep them."
        ),
    )

    class Meta:
        verbose_name = _("defect reason")
        verbose_name_plural = _("defect reasons")
        ordering = ["label"]

    def __str__(self):
        return self.label

    def get_absolute_url(self):
        return reverse("stations:defect-edit", kwargs={"pk": self.pk})


def usid_key(usid):
    """The key a USID is registered and found by: letter case never makes another unit, so
    ``pwr-0003`` finds the unit registered as ``PWR-0003``."""
    return usid.lower()


def usid_lookup_keys(usid):
    """The keys that may hold the unit ``usid`` names: its case-free key, and the key of a
    case twin registered before USIDs ignored case (``CASE_TWIN_MARK``)."""
    return [usid_key(usid), CASE_TWIN_MARK + usid]


def registration_pick(rows, usid, usid_of):
    """Of the rows found by ``usid_lookup_keys`` (at most two), the unit ``usid`` names: the
    one registered exactly so, else the one registered with another case (a case twin is
    found only by its exact USID)."""
    for row in rows:
        if usid_of(row) == usid:
            return row
    return rows[0] if rows else None


class UnitRegistrationQuerySet(models.QuerySet):
    def find(self, usid):
        """The registration of the unit ``usid`` names, whatever its letter case, or None."""
        rows = list(self.filter(usid_key__in=usid_lookup_keys(usid))[:2])
        return registration_pick(rows, usid, lambda row: row.usid)


class UnitRegistration(models.Model):
    """The global USID index: the part each registered unit belongs to.

    The unique ``usid_key`` (the USID without letter case) makes a USID belong to exactly one
    part across all parts, whatever its case, and lets a scan at a later stage find the unit's
    part (and so its unit table) from the USID alone. ``usid`` keeps the USID as registered.
    """

    usid = models.CharField(_("USID"), max_length=USID_MAX_LENGTH, unique=True)
    usid_key = models.CharField(
        _("USID key"),
        max_length=USID_KEY_MAX_LENGTH,
        unique=True,
        editable=False,
        help_text=_("The USID in lower case: a USID differing only by case is the same unit."),
    )
    part = models.ForeignKey(
        ModelPart,
        on_delete=models.PROTECT,
        related_name="unit_registrations",
        verbose_name=_("part"),
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)

    objects = UnitRegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("registered unit")
        verbose_name_plural = _("registered units")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["part", "created_at"], name="stations_reg_part_created")]

    def __str__(self):
        return self.usid

    def save(self, *args, **kwargs):
        if not self.usid_key:
            self.usid_key = usid_key(self.usid)
        super().save(*args, **kwargs)


class ScanReceipt(models.Model):
    """The first answer to a scan sent with a ``scan_id``, given again to every replay of it.

    A station that lost the answer (a network outage, a closed tab) sends the scan again with
    the same ``scan_id``; the unique (scope, scan_id) pair lets only one of two concurrent
    replays write, and the other is given this answer.
    """

    scope = models.CharField(
        _("sent by"),
        max_length=60,
        help_text=_("token:<id> for the scan API, user:<id>:station:<id> for the scan screen."),
    )
    scan_id = models.CharField(_("scan id"), max_length=SCAN_ID_MAX_LENGTH)
    outcome = models.JSONField(_("answer"))
    created_at = models.DateTimeField(_("answered at"), default=timezone.now)

    class Meta:
        verbose_name = _("scan receipt")
        verbose_name_plural = _("scan receipts")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["scope", "scan_id"], name="stations_receipt_once")
        ]

    def __str__(self):
        return f"{self.scope} {self.scan_id}"


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete a scan event."""


class ScanEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Scan events are append-only: they cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Scan events are append-only: they cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("Scan events are append-only: they cannot be changed.")

    def update_or_create(self, defaults=None, create_defaults=None, **kwargs):
        raise AppendOnlyError("Scan events are append-only: they cannot be changed.")


class ScanEvent(models.Model):
    """One scan or supervisor action, written in the same transaction as the unit row.

    Append-only: saving an existing event or deleting any raises ``AppendOnlyError``.
    """

    class Action(models.TextChoices):
        SCAN = "scan", _("Scan")
        MARK_DONE = "mark_done", _("Marked done")
        MARK_FAIL = "mark_fail", _("Marked failed")
        UNDO = "undo", _("Undone")
        HOLD = "hold", _("Held")
        RELEASE = "release", _("Released")
        EDIT = "edit", _("Value changed")
        REPAIR = "repair", _("Component replaced")

    class Result(models.TextChoices):
        PASS = "pass", _("Pass")
        FAIL = "fail", _("Fail")

    class Source(models.TextChoices):
        SCREEN = "screen", _("Scan screen")
        API = "api", _("Scan API")
        OVERRIDE = "override", _("Supervisor")
        PAGE = "page", _("Unit page")
        CFX = "cfx", _("Machine (IPC-CFX)")

    created_at = models.DateTimeField(_("when"), default=timezone.now)
    usid = models.CharField(_("USID"), max_length=USID_MAX_LENGTH)
    part = models.ForeignKey(
        ModelPart,
        on_delete=models.PROTECT,
        related_name="scan_events",
        verbose_name=_("part"),
        db_index=False,  # stations_event_part leads with it
    )
    stage = models.CharField(_("stage"), max_length=STAGE_KEY_MAX_LENGTH, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    result = models.CharField(_("result"), max_length=4, choices=Result.choices, blank=True)
    defect = models.ForeignKey(
        DefectReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("defect"),
        db_index=False,
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scan_events",
        verbose_name=_("station"),
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
        db_index=False,
    )
    token = models.ForeignKey(
        ApiToken,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("API token"),
        db_index=False,
    )
    tag_no = models.CharField(_("tag no."), max_length=USID_MAX_LENGTH, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # The unit values recorded with the scan (``{field key: value}``); for a value changed on
    # the unit page, ``{"<key>": {"old": ..., "new": ...}}``.
    data = models.JSONField(_("data"), null=True, blank=True)

    objects = ScanEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("scan event")
        verbose_name_plural = _("scan events")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("scan_unit", _("Can scan units at a station")),
            ("override_unit", _("Can override a unit's stages and hold or release it")),
            ("edit_unit_values", _("Can change a unit's values on its page")),
        ]
        # Every scan writes an event, and every index of the log is written with it: the log
        # keeps only indexes that a query or a protected delete reads. A reference that most
        # events leave empty (station, person, token, defect) is indexed only where it is set.
        indexes = [
            models.Index(fields=["usid", "created_at"], name="stations_event_usid"),
            models.Index(
                fields=["station", "-created_at"],
                condition=models.Q(station__isnull=False),
                name="stations_event_station",
            ),
            models.Index(fields=["part", "stage", "created_at"], name="stations_event_part"),
            models.Index(fields=["created_at"], name="stations_event_created"),
            models.Index(
                fields=["user"], condition=models.Q(user__isnull=False), name="stations_event_user"
            ),
            models.Index(
                fields=["token"],
                condition=models.Q(token__isnull=False),
                name="stations_event_token",
            ),
            models.Index(
                fields=["defect"],
                condition=models.Q(defect__isnull=False),
                name="stations_event_defect",
            ),
        ]

    def __str__(self):
        return f"{self.usid} {self.get_action_display()} {self.stage} {self.result}".strip()

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Scan events are append-only: they cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Scan events are append-only: they cannot be deleted.")

    @property
    def who(self):
        """The person, or else the API token, that wrote the event."""
        return self.user or self.token
