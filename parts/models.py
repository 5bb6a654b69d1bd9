import uuid
from pathlib import PurePosixPath

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def part_media_path(instance, filename):
    """Where an uploaded file lands: a fresh random name, never the uploader's.

    Only the extension is kept (lower-cased), so names like ``../../settings.py`` or
    ``photo.jpg\\x00.html`` decide nothing about the stored path.
    """
    suffix = PurePosixPath(filename).suffix.lower()[:8]
    if not suffix[1:].isalnum():
        suffix = ""
    return f"parts/{uuid.uuid4().hex}{suffix}"


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
        unique=True,
        help_text=_("Unique across all parts, e.g. EICS112_Part."),
    )
    form_image = models.ImageField(_("form image"), upload_to=part_media_path, blank=True)
    part_image = models.ImageField(_("part image"), upload_to=part_media_path, blank=True)
    qc_video = models.FileField(_("QC video"), upload_to=part_media_path, blank=True)
    testing_video = models.FileField(_("testing video"), upload_to=part_media_path, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("model part")
        verbose_name_plural = _("model parts")
        ordering = ["model_no", "part_no"]

    def __str__(self):
        return self.part_no

    def get_absolute_url(self):
        return reverse("parts:detail", kwargs={"pk": self.pk})

    def unit_model(self):
        """The Django model of this part's unit table, as its procedure has it now.

        Raises ``parts.unit_tables.NoUnitTable`` while the part has no procedure.
        """
        from parts.unit_tables import unit_model_for

        return unit_model_for(self)
