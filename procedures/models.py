from django.db import models
from django.utils.translation import gettext_lazy as _

from parts.models import ModelPart


class PartProcedureDetail(models.Model):
    """A part's procedure: its stages in process order and its extra unit fields."""

    model_part = models.OneToOneField(
        ModelPart,
        on_delete=models.PROTECT,
        related_name="procedure",
        verbose_name=_("model part"),
    )
    procedure_config = models.JSONField(
        _("procedure config"),
        default=dict,
        help_text=_("procedure_config version 1: stages in process order and extra unit fields."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("part procedure")
        verbose_name_plural = _("part procedures")
        ordering = ["model_part__part_no"]

    def __str__(self):
        return f"Procedure of {self.model_part}"
