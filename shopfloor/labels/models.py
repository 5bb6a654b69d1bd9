"""Serial numbering, label templates, printers and the label events of each unit."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parts.models import ModelPart
from shopfloor.labels.numbering import PATTERN_MAX_LENGTH, pattern_parse
from shopfloor.labels.symbols import SYMBOLOGIES
from shopfloor.stations.models import REASON_MAX_LENGTH, USID_MAX_LENGTH, Station

BATCH_MAX = 1_000_000
WORK_RUN_MAX_LENGTH = 60


class SerialScheme(models.Model):
    """How the USIDs of one part are numbered, e.g. ``PWR-{YYMM}-{seq:05}``."""

    part = models.OneToOneField(
        ModelPart, on_delete=models.CASCADE, related_name="serial_scheme", verbose_name=_("part")
    )
    pattern = models.CharField(
        _("pattern"),
        max_length=PATTERN_MAX_LENGTH,
        help_text=_(
            "Literal text with {YYYY} {YY} {MM} {DD} {YYMM} and one counter {seq:0N}, "
            "e.g. PWR-{YYMM}-{seq:05}."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("serial numbering")
        verbose_name_plural = _("serial numberings")
        ordering = ["part__part_no"]

    def __str__(self):
        return f"{self.part.part_no}: {self.pattern}"

    @property
    def parsed(self):
        return pattern_parse(self.pattern)


class SerialCounter(models.Model):
    """The last number issued for one pattern in one period (see ``numbering``)."""

    pattern = models.CharField(_("pattern"), max_length=PATTERN_MAX_LENGTH)
    period = models.CharField(_("period"), max_length=8, blank=True)
    last_seq = models.PositiveBigIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("serial counter")
        verbose_name_plural = _("serial counters")
        ordering = ["pattern", "period"]
        constraints = [
            models.UniqueConstraint(fields=["pattern", "period"], name="labels_counter_unique")
        ]

    def __str__(self):
        return f"{self.pattern} {self.period}: {self.last_seq}"


class SerialBatch(models.Model):
    """A run of consecutive USIDs issued at once: ``count`` numbers from ``first_seq``."""

    part = models.ForeignKey(
        ModelPart, on_delete=models.PROTECT, related_name="serial_batches", verbose_name=_("part")
    )
    pattern = models.CharField(_("pattern"), max_length=PATTERN_MAX_LENGTH)
    issued_on = models.DateField(_("date printed in the numbers"))
    first_seq = models.PositiveBigIntegerField(_("first number"))
    count = models.PositiveIntegerField(
        _("how many"), validators=[MinValueValidator(1), MaxValueValidator(BATCH_MAX)]
    )
    work_run = models.CharField(
        _("work run"),
        max_length=WORK_RUN_MAX_LENGTH,
        blank=True,
        help_text=_("The work order or run the numbers are for, e.g. WO-2611-07."),
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issued by"),
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)

    class Meta:
        verbose_name = _("serial batch")
        verbose_name_plural = _("serial batches")
        ordering = ["-issued_at", "-id"]
        permissions = [
            ("issue_serials", _("Can issue and void serial numbers and print their labels")),
        ]

    def __str__(self):
        return f"{self.first_usid} … {self.last_usid} ({self.count})"

    def get_absolute_url(self):
        return reverse("labels:batch", kwargs={"batch_pk": self.pk})

    @property
    def last_seq(self):
        return self.first_seq + self.count - 1

    def usid(self, seq):
        return pattern_parse(self.pattern).usid(self.issued_on, seq)

    @property
    def first_usid(self):
        return self.usid(self.first_seq)

    @property
    def last_usid(self):
        return self.usid(self.last_seq)


class SerialVoid(models.Model):
    """An issued number taken out of use (a damaged label, a scrapped board), with a reason."""

    batch = models.ForeignKey(
        SerialBatch, on_delete=models.PROTECT, related_name="voids", verbose_name=_("batch")
    )
    seq = models.PositiveBigIntegerField(_("number"))
    usid = models.CharField(_("USID"), max_length=USID_MAX_LENGTH, unique=True)
    reason = models.CharField(_("reason"), max_length=REASON_MAX_LENGTH)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    voided_at = models.DateTimeField(_("voided at"), default=timezone.now)

    class Meta:
        verbose_name = _("voided number")
        verbose_name_plural = _("voided numbers")
        ordering = ["seq"]

    def __str__(self):
        return self.usid


class LabelTemplate(models.Model):
    """What a part's label looks like: its size, symbology and human-readable lines."""

    part = models.ForeignKey(
        ModelPart, on_delete=models.CASCADE, related_name="label_templates", verbose_name=_("part")
    )
    name = models.CharField(_("name"), max_length=60, help_text=_("e.g. Board label 50x25."))
    width_mm = models.DecimalField(
        _("width (mm)"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(10), MaxValueValidator(200)],
    )
    height_mm = models.DecimalField(
        _("height (mm)"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(5), MaxValueValidator(200)],
    )
    symbology = models.CharField(
        _("symbology"), max_length=12, choices=list(SYMBOLOGIES.items()), default="code128"
    )
    show_usid = models.BooleanField(_("USID in plain text"), default=True)
    show_part_no = models.BooleanField(_("part no."), default=True)
    show_model_no = models.BooleanField(_("model no."), default=False)
    show_date = models.BooleanField(_("date printed"), default=False)
    is_default = models.BooleanField(
        _("default"),
        default=False,
        help_text=_("Used for reprints and for printing at registration."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("label template")
        verbose_name_plural = _("label templates")
        ordering = ["part__part_no", "-is_default", "name"]
        constraints = [
            models.UniqueConstraint(fields=["part", "name"], name="labels_template_name_unique")
        ]

    def __str__(self):
        return (
            f"{self.name} ({self.width_mm} x {self.height_mm} mm, {self.get_symbology_display()})"
        )

    def get_absolute_url(self):
        return reverse("labels:template-edit", kwargs={"template_pk": self.pk})


class Printer(models.Model):
    """A label printer taking ZPL on a raw TCP port."""

    name = models.CharField(_("name"), max_length=60, unique=True, help_text=_("e.g. Zebra SMD."))
    host = models.CharField(
        _("host"),
        max_length=253,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9.:-]*\Z",
                _("An IP address or host name: letters, digits, dots, colons and hyphens."),
                code="host",
            )
        ],
        help_text=_("Its IP address or host name, e.g. 10.0.4.21."),
    )
    port = models.PositiveIntegerField(
        _("port"), default=9100, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    dpi = models.PositiveSmallIntegerField(
        _("resolution"),
        choices=[(203, "203 dpi"), (300, "300 dpi"), (600, "600 dpi")],
        default=203,
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("printer")
        verbose_name_plural = _("printers")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.host}:{self.port})"

    def get_absolute_url(self):
        return reverse("labels:printer-edit", kwargs={"printer_pk": self.pk})


class StationPrinting(models.Model):
    """A station's label printer, and whether it prints each unit it registers."""

    station = models.OneToOneField(
        Station, on_delete=models.CASCADE, related_name="label_printing", verbose_name=_("station")
    )
    printer = models.ForeignKey(
        Printer, on_delete=models.PROTECT, related_name="stations", verbose_name=_("printer")
    )
    print_at_registration = models.BooleanField(
        _("print at registration"),
        default=False,
        help_text=_(
            "Print the label of each unit this station registers, with the part's default "
            "template, after the scan is recorded."
        ),
    )

    class Meta:
        verbose_name = _("station printing")
        verbose_name_plural = _("station printing")
        ordering = ["station__name"]

    def __str__(self):
        return f"{self.station.name} → {self.printer.name}"


class LabelEvent(models.Model):
    """A label printed, reprinted, failed to print, or a number voided: the unit's history."""

    class Action(models.TextChoices):
        PRINT = "print", _("Label printed")
        REPRINT = "reprint", _("Label reprinted")
        FAILED = "failed", _("Label not printed")
        VOID = "void", _("Number voided")

    class Output(models.TextChoices):
        PRINTER = "printer", _("Label printer")
        PDF = "pdf", _("PDF")
        NONE = "", _("—")

    created_at = models.DateTimeField(_("when"), default=timezone.now)
    usid = models.CharField(_("USID"), max_length=USID_MAX_LENGTH)
    part = models.ForeignKey(
        ModelPart, on_delete=models.PROTECT, related_name="+", verbose_name=_("part")
    )
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    output = models.CharField(_("output"), max_length=8, choices=Output.choices, blank=True)
    printer = models.ForeignKey(
        Printer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    template = models.ForeignKey(
        LabelTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    batch = models.ForeignKey(
        SerialBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    reason = models.CharField(_("reason"), max_length=REASON_MAX_LENGTH, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("label event")
        verbose_name_plural = _("label events")
        ordering = ["-created_at", "-id"]
        permissions = [("reprint_label", _("Can reprint a unit's label, with a reason"))]
        indexes = [
            models.Index(fields=["usid", "created_at"], name="labels_event_usid"),
            models.Index(fields=["station", "-created_at"], name="labels_event_station"),
        ]

    def __str__(self):
        return f"{self.usid} {self.get_action_display()}"

    @property
    def where(self):
        if self.printer_id:
            return self.printer.name
        return self.get_output_display() if self.output else ""
