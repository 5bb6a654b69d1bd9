"""Writes to procedures. Applying a procedure also creates or migrates the part's unit table.

``procedure_apply`` is what the editor, the JSON endpoint and any other caller use:
``procedure_apply`` → ``PartProcedureDetail.save()`` → ``procedures.saving.procedure_migrate``
→ ``parts.unit_tables.engine.apply_config``. The admin and ``objects.create`` go through
``save()`` too, so they change the unit table exactly the same way.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parts.models import ModelPart
from parts.unit_tables import cache, engine
from parts.unit_tables.capacity import table_capacity
from procedures.config import validate_procedure_config
from procedures.models import PartProcedureDetail, ProcedureVersion
from procedures.saving import component_parts_check, procedure_locked


def procedure_apply(*, part, config, user, expected_version=None):
    """Save ``config`` as ``part``'s procedure and migrate its unit table, all or nothing.

    ``expected_version`` is the version the editor started from; when someone saved the
    procedure since, ``ProcedureConflict`` names who and when. A bad config raises
    ``ValidationError`` naming each entry and problem, and a unit table kept locked by scans
    past the lock timeout raises ``UnitTableBusy``; either way nothing is saved or changed.
    Returns the saved ``PartProcedureDetail``.
    """
    with transaction.atomic():
        procedure = PartProcedureDetail.objects.filter(model_part=part).first()
        if procedure is None:
            procedure = PartProcedureDetail(model_part=part)
        else:
            procedure.model_part = part  # the migration works on it: not read a second time
        if expected_version is not None:
            procedure.version = expected_version
        procedure.procedure_config = config
        procedure.updated_by = user
        procedure.save()
    return procedure


def procedure_preview(*, part, config):
    """What applying ``config`` would do to ``part``'s unit table, without doing it.

    Returns a ``SchemaPlan`` (``as_dict()`` for display): columns added, retired (with the
    number of units holding data in each), restored and converted. Raises
    ``ValidationError`` for a bad config, as applying would.
    """
    procedure = PartProcedureDetail.objects.filter(model_part=part).first()
    applied_schema = procedure.applied_schema if procedure else {}
    config = validate_procedure_config(
        config,
        previous_config=procedure.procedure_config if procedure else None,
        applied_schema=applied_schema,
        capacity=table_capacity(part.pk),
    )
    component_parts_check(config, parts=ModelPart)
    return engine.preview_config(part=part, config=config, applied_schema=applied_schema)


def procedure_retirements_to_confirm(*, part, config, confirmed=""):
    """The columns applying ``config`` would retire while units hold data in them, when
    ``confirmed`` (the column names the engineer agreed to, comma-separated) does not name
    them all: ``{column: units holding data}``; empty when the save may go ahead.

    The rule every way of saving from a page follows: retiring a column that holds data is
    asked first (the data is kept, but disappears from the unit pages). Raises
    ``ValidationError`` for a bad config, as applying would.
    """
    at_risk = procedure_preview(part=part, config=config).retired_holding_data()
    if set(at_risk) <= set(confirmed.split(",")):
        return {}
    return at_risk


def procedure_drop_retired_column(*, part, column, confirmation, user):
    """Drop a retired column of ``part``'s unit table, with all the data it holds.

    ``confirmation`` must repeat the column name: dropping cannot be undone. Raises
    ``ValidationError`` for a column that is unknown, still in use or not confirmed.
    """
    if confirmation != column:
        raise ValidationError(
            _(
                'column "%(column)s": type the column name to confirm; its data will be gone for '
                "good"
            )
            % {"column": column},
            code="not_confirmed",
        )
    with transaction.atomic():
        procedure = PartProcedureDetail.objects.filter(model_part=part).first()
        if procedure is None:
            raise ValidationError(
                _("%(part_no)s has no procedure") % {"part_no": part.part_no},
                code="no_procedure",
            )
        stored = procedure_locked(procedure)
        applied = engine.drop_column(part=part, applied_schema=stored.applied_schema, column=column)
        PartProcedureDetail.objects.filter(pk=stored.pk).update(
            applied_schema=applied.schema,
            schema_fingerprint=applied.fingerprint,
            version=stored.version + 1,
            updated_by=user,
            updated_at=timezone.now(),
        )
    cache.forget(part.pk)
    stored.refresh_from_db()
    return stored


def procedure_restore(*, part, version, user, expected_version):
    """Save the config of an earlier ``version`` as the part's procedure again.

    The unit table migrates as for any save (columns the version had come back with their
    data); the new version notes which one it restored. Raises what ``procedure_apply``
    raises, and ``ProcedureVersion.DoesNotExist`` for a version the part never had.
    """
    old = ProcedureVersion.objects.get(procedure__model_part=part, version=version)
    with transaction.atomic():
        procedure = procedure_apply(
            part=part, config=old.procedure_config, user=user, expected_version=expected_version
        )
        ProcedureVersion.objects.filter(procedure=procedure, version=procedure.version).update(
            restored_from=old.version
        )
    return procedure
