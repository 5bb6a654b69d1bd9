"""Reads of procedures for the editor, history and import/export pages."""

from parts.models import ModelPart
from parts.unit_tables.schema import retired_columns
from procedures.config_diff import config_changes
from procedures.models import PartProcedureDetail, ProcedureVersion


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
    return {
        "table_columns": [model_field.column for model_field in model._meta.concrete_fields],
        "retired_columns": retired_columns(procedure.applied_schema),
    }


def procedure_history(*, procedure):
    """The saved versions of ``procedure``, newest first, each with what it changed.

    Returns a list of ``(ProcedureVersion, [ConfigChange, ...])``; a version's changes are
    against the version kept before it (the first version lists everything as added).
    """
    versions = list(procedure.versions.select_related("saved_by").order_by("version"))
    previous_configs = [{}, *(version.procedure_config for version in versions)]
    history = [
        (version, config_changes(previous, version.procedure_config))
        for version, previous in zip(versions, previous_configs, strict=False)
    ]
    return history[::-1]


def procedure_version(*, part, version):
    """Version ``version`` of the part's procedure with the one kept before it (or None).

    Raises ``ProcedureVersion.DoesNotExist`` when the part has no such version.
    """
    versions = ProcedureVersion.objects.select_related("saved_by", "procedure").filter(
        procedure__model_part=part
    )
    kept = versions.get(version=version)
    previous = versions.filter(version__lt=version).order_by("-version").first()
    return kept, previous
