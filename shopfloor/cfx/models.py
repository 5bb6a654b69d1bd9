"""What machines report over IPC-CFX: their endpoints and how they map onto the floor, the
messages received (a log that also makes a redelivery record nothing twice) and the messages
that could not be recorded (the dead letters engineers fix and replay)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shopfloor.stations.models import DefectReason, Station

HANDLE_MAX_LENGTH = 200
NAME_MAX_LENGTH = 200
MESSAGE_KEY_MAX_LENGTH = 200
# How a message's summary (and the scan's note) starts the line flagging a measurement tested
# against other limits than its procedure field's.
LIMITS_DISAGREE = "Limits disagree"


class Endpoint(models.Model):
    """A machine as CFX names it (its ``Source`` handle), and the station it scans at."""

    handle = models.CharField(
        _("CFX handle"),
        max_length=HANDLE_MAX_LENGTH,
        unique=True,
        help_text=_("The Source of its messages, e.g. CFX.A00.SO20050833."),
    )
    station = models.ForeignKey(
        Station,
        verbose_name=_("station"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cfx_endpoints",
        help_text=_("Its units are recorded at this station's stage."),
    )
    first_seen_at = models.DateTimeField(_("first heard"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last heard"), default=timezone.now)
    revision = models.PositiveIntegerField(
        _("mapping revision"),
        default=0,
        help_text=_("Goes up whenever its station or names change: listeners read it anew."),
    )

    class Meta:
        verbose_name = _("CFX endpoint")
        verbose_name_plural = _("CFX endpoints")
        ordering = ["handle"]

    def __str__(self):
        return self.handle

    def get_absolute_url(self):
        return reverse("cfx:endpoint", args=[self.pk])


class NameMapping(models.Model):
    """A test, measurement, symptom or defect name an endpoint reported, and what it means here.

    A row is made for every name the first time it is heard, mapped or not, so the endpoint's
    page lists what still waits for an engineer.
    """

    class Kind(models.TextChoices):
        TEST = "test", _("Test")
        MEASUREMENT = "measurement", _("Measurement")
        SYMPTOM = "symptom", _("Symptom or defect code")
        MATERIAL = "material", _("Material (internal part number)")

    endpoint = models.ForeignKey(
        Endpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE, related_name="names"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    field_key = models.CharField(
        _("procedure field"),
        max_length=100,
        blank=True,
        help_text=_(
            "The key of the procedure field a test or measurement fills, e.g. vout, or of the "
            "stage component a material is installed as, e.g. solder_paste."
        ),
    )
    defect = models.ForeignKey(
        DefectReason,
        verbose_name=_("defect reason"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The defect reason a symptom or defect code means."),
    )
    first_seen_at = models.DateTimeField(_("first heard"), default=timezone.now)

    class Meta:
        verbose_name = _("CFX name mapping")
        verbose_name_plural = _("CFX name mappings")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "kind", "name"], name="cfx_name_once")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.name}"

    @property
    def is_mapped(self):
        return bool(self.field_key) or self.defect_id is not None


class Message(models.Model):
    """A CFX message received: kept for the endpoint's preview, and so that a redelivery (the
    broker sends again what was not acknowledged) is recognised and records nothing twice."""

    class Outcome(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        DEAD_LETTERED = "dead_lettered", _("Dead-lettered")

    key = models.CharField(
        _("message key"),
        max_length=MESSAGE_KEY_MAX_LENGTH,
        unique=True,
        help_text=_("Its UniqueID, or a digest of its bytes when it has none."),
    )
    endpoint = models.ForeignKey(
        Endpoint,
        verbose_name=_("endpoint"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
    )
    name = models.CharField(_("message name"), max_length=NAME_MAX_LENGTH, blank=True)
    body = models.TextField(_("message"), help_text=_("As received (cut short when too long)."))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    summary = models.TextField(_("summary"), blank=True)
    deliveries = models.PositiveIntegerField(
        _("deliveries"), default=1, help_text=_("How many times the broker delivered it.")
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        verbose_name = _("CFX message")
        verbose_name_plural = _("CFX messages")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["endpoint", "-received_at"], name="cfx_message_recent")]

    def __str__(self):
        return f"{self.name or 'message'} {self.key}"

    @property
    def limits_disagree(self):
        return LIMITS_DISAGREE in self.summary


class DeadLetter(models.Model):
    """A message that could not be recorded, with the reason; an engineer fixes what it names
    (maps the endpoint, registers the unit) and replays it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting")
        REPLAYED = "replayed", _("Replayed and recorded")

    message = models.OneToOneField(
        Message,
        verbose_name=_("message"),
        on_delete=models.CASCADE,
        related_name="dead_letter",
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    body_complete = models.BooleanField(
        _("kept whole"),
        default=True,
        help_text=_("False when the message was too long to keep: it cannot be replayed."),
    )
    created_at = models.DateTimeField(_("dead-lettered"), default=timezone.now)
    replayed_at = models.DateTimeField(_("last replayed"), null=True, blank=True)
    replayed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("replayed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    replays = models.PositiveIntegerField(_("replays"), default=0)

    class Meta:
        verbose_name = _("CFX dead letter")
        verbose_name_plural = _("CFX dead letters")
        ordering = ["-created_at", "-id"]
        permissions = [("replay_deadletter", _("Can replay a CFX dead letter"))]

    def __str__(self):
        return f"{self.message.name or 'message'}: {self.reason[:60]}"

    def get_absolute_url(self):
        return reverse("cfx:dead-letter", args=[self.pk])
