"""Reads of procedures for the editor, history and import/export pages."""

from parts.models import ModelPart
from procedures.models import PartProcedureDetail


def procedure_of_part(*, part):
    """The part's saved procedure, or None when it has none yet."""
    return PartProcedureDetail.objects.filter(model_part=part).first()


def parts_to_copy_from(*, part):
    """Other parts that have a procedure, to copy one from."""
    return ModelPart.objects.filter(procedure__isnull=False).exclude(pk=part.pk)


def unit_table_columns(*, part):
    """The part's unit table as the station sees it: its columns, and those kept retired.

    Returns ``{"table_columns": [...], "retired_columns": [...]}``; both lists are empty
    while the part has no procedure (and so no table).
    """
    procedure = procedure_of_part(part=part)
    if procedure is None:
        return {"table_columns": [], "retired_columns": []}
    model = part.unit_model()
    columns = procedure.applied_schema.get("columns", {})
    return {
        "table_columns": [model_field.column for model_field in model._meta.concrete_fields],
        "retired_columns": sorted(name for name, spec in columns.items() if spec["retired"]),
    }
