import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower, Trim
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parts.media import CONTENT_TYPES
from parts.unit_tables import unit_model_for

IMAGE_FIELDS = ("form_image", "part_image")
VIDEO_FIELDS = ("qc_video", "testing_video")
MEDIA_FIELDS = IMAGE_FIELDS + VIDEO_FIELDS
THUMBNAIL_FIELDS = {"form_image": "form_image_thumbnail", "part_image": "part_image_thumbnail"}


def _stored_name(folder, filename):
    # Only an extension the app itself writes survives; the services name uploads after their
    # checked content, so the uploader's file name decides nothing.
    suffix = PurePosixPath(str(filename)).suffix.lower().lstrip(".")
    suffix = f".{suffix}" if suffix in CONTENT_TYPES else ""
    return f"{folder}/{uuid.uuid4().hex}{suffix}"


def part_media_path(instance, filename):
    """Where an uploaded file lands: a fresh random name, never the uploader's."""
    return _stored_name("parts", filename)


def part_thumbnail_path(instance, filename):
    """Where a generated thumbnail lands: a fresh random name under parts/thumbnails/."""
    return _stored_name("parts/thumbnails", filename)


class ModelPartQuerySet(models.QuerySet):
    def active(self):
        """Parts in use: what lists, stations and scans offer."""
        return self.filter(archived_at__isnull=True)

    def archived(self):
        return self.filter(archived_at__isnull=False)


class ModelPart(models.Model):
    """One part of a product model, with the reference media stations show."""

    model_no = models.CharField(
        _("model no."),
        max_length=100,
        db_index=True,
        help_text=_("The product model, e.g. EICS112."),
    )
    part_no = models.CharField(
        _("part no."),
        max_length=200,
        db_index=True,
        help_text=_(
            "Unique across all parts, ignoring letter case and surrounding spaces, "
            "e.g. EICS112_Part."
        ),
    )
    form_image = models.ImageField(_("form image"), upload_to=part_media_path, blank=True)
    part_image = models.ImageField(_("part image"), upload_to=part_media_path, blank=True)
    qc_video = models.FileField(_("QC video"), upload_to=part_media_path, blank=True)
    testing_video = models.FileField(_("testing video"), upload_to=part_media_path, blank=True)
    form_image_thumbnail = models.ImageField(
        _("form image thumbnail"), upload_to=part_thumbnail_path, blank=True, editable=False
    )
    part_image_thumbnail = models.ImageField(
        _("part image thumbnail"), upload_to=part_thumbnail_path, blank=True, editable=False
    )
    archived_at = models.DateTimeField(
        _("archived at"),
        null=True,
        blank=True,
        db_index=True,
        editable=False,
        help_text=_("Set when the part is archived: hidden from lists and stations, data kept."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ModelPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("model part")
        verbose_name_plural = _("model parts")
        ordering = ["model_no", "part_no"]
        constraints = [
            models.UniqueConstraint(
                Lower(Trim("part_no")),
                name="parts_modelpart_part_no_ci_unique",
                violation_error_message=_("This part no. is already used by another part."),
            ),
        ]

    def __str__(self):
        return self.part_no

    def get_absolute_url(self):
        return reverse("parts:detail", kwargs={"pk": self.pk})

    def unit_model(self):
        """The Django model of this part's unit table, as its procedure has it now.

        Raises ``parts.unit_tables.NoUnitTable`` while the part has no procedure.
        """
        return unit_model_for(self)

    @property
    def is_archived(self):
        return self.archived_at is not None

    @property
    def list_thumbnail(self):
        """The picture lists show: the part image's thumbnail, else the form image's."""
        return self.part_image_thumbnail or self.form_image_thumbnail


class PartChange(models.Model):
    """One change to a part: who made it, when, and each field's old and new value."""

    class Action(models.TextChoices):
        CREATED = "created", _("created")
        UPDATED = "updated", _("updated")
        ARCHIVED = "archived", _("archived")
        RESTORED = "restored", _("restored")

    part = models.ForeignKey(
        ModelPart, on_delete=models.CASCADE, related_name="changes", verbose_name=_("part")
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_by_label = models.CharField(
        _("changed by (as shown)"),
        max_length=254,
        help_text=_("The author's name and email when the change was made."),
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now, db_index=True)
    changes = models.JSONField(
        _("changes"),
        default=dict,
        help_text=_('Each changed field with its old and new value: {"field": {"old", "new"}}.'),
    )

    class Meta:
        verbose_name = _("part change")
        verbose_name_plural = _("part changes")
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.part} {self.get_action_display()} by {self.changed_by_label}"

    def field_rows(self):
        """(label, old, new, uploaded as) for each changed field, in the model's field order."""
        rows = []
        for field in ModelPart._meta.get_fields():
            change = self.changes.get(field.name)
            if change is None:
                continue
            rows.append(
                {
                    "label": getattr(field, "verbose_name", field.name),
                    "old": change.get("old"),
                    "new": change.get("new"),
                    "uploaded_as": change.get("uploaded_as"),
                }
            )
        return rows
