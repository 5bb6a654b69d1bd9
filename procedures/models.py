from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from parts.models import ModelPart
from procedures.saving import procedure_migrate, procedure_validate, procedure_version_record


class PartProcedureDetail(models.Model):
    """A part's procedure: its stages in process order and its extra unit fields.

    Saving it, however it is saved (the procedure service, the admin, ``objects.create``),
    validates the config and creates or migrates the part's unit table in the same
    transaction; see ``procedures.saving`` for what happens.
    """

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
    version = models.PositiveIntegerField(
        _("version"),
        default=0,
        help_text=_(
            "Goes up with every saved change; an edit made on an older version is refused."
        ),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    applied_schema = models.JSONField(
        _("applied schema"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_("Every column the unit table has, retired ones included."),
    )
    schema_fingerprint = models.CharField(
        _("schema fingerprint"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("Hash of the applied schema: an unchanged procedure runs no DDL."),
    )
    changing_since = models.DateTimeField(
        _("being changed since"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "Set while a job changes the part's unit table; scans of the part are refused "
            "meanwhile (procedure_changing)."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("part procedure")
        verbose_name_plural = _("part procedures")
        ordering = ["model_part__part_no"]

    def __str__(self):
        return _("Procedure of %(part)s") % {"part": self.model_part}

    def save(self, *args, **kwargs):
        """Save the procedure and create or migrate its unit table, in one transaction.

        Every way of saving comes through here: ``procedure_migrate`` hands the config to the
        unit-table engine (``parts.unit_tables.engine.apply_config``). A save limited by
        ``update_fields`` to columns other than the config skips it.
        """
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "procedure_config" not in update_fields:
            return super().save(*args, **kwargs)
        with transaction.atomic():
            self.last_plan = procedure_migrate(procedure=self)
            super().save(*args, **kwargs)
            procedure_version_record(procedure=self)

    def get_absolute_url(self):
        return reverse("parts:detail", kwargs={"pk": self.model_part_id})

    def clean(self):
        """Check the config against procedure_config v1 and the saved procedure."""
        try:
            self.procedure_config = procedure_validate(procedure=self)
        except ValidationError as error:
            raise ValidationError({"procedure_config": error.messages}) from error


class ProcedureVersion(models.Model):
    """One saved version of a part's procedure, kept for its history and to restore it.

    Written in the transaction that saves the procedure (see ``PartProcedureDetail.save``),
    so the history never misses a version nor holds one that was not saved.
    """

    procedure = models.ForeignKey(
        PartProcedureDetail,
        on_delete=models.CASCADE,
        related_name="versions",
        verbose_name=_("procedure"),
    )
    version = models.PositiveIntegerField(_("version"))
    procedure_config = models.JSONField(_("procedure config"))
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saved by"),
    )
    saved_at = models.DateTimeField(_("saved at"))
    restored_from = models.PositiveIntegerField(
        _("restored from"),
        null=True,
        blank=True,
        help_text=_("The earlier version this one restored, if it was a restore."),
    )

    class Meta:
        verbose_name = _("procedure version")
        verbose_name_plural = _("procedure versions")
        ordering = ["procedure", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "version"], name="procedures_one_row_per_version"
            )
        ]

    def __str__(self):
        return f"{self.procedure} v{self.version}"

    def get_absolute_url(self):
        return reverse(
            "procedures:version",
            kwargs={"part_pk": self.procedure.model_part_id, "version": self.version},
        )
