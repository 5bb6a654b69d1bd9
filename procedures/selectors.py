"""Reads of procedures for the editor, history and import/export pages."""

from parts.models import ModelPart
from procedures.models import PartProcedureDetail


def procedure_of_part(*, part):
    """The part's saved procedure, or None when it has none yet."""
    return PartProcedureDetail.objects.filter(model_part=part).first()


def parts_to_copy_from(*, part):
    """Other parts that have a procedure, to copy one from."""
    return ModelPart.objects.filter(procedure__isnull=False).exclude(pk=part.pk)
