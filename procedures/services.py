"""Writes to procedures. Applying a procedure also creates or migrates the part's unit table.

``procedure_apply`` is what the editor (and any other caller) uses. The model's ``save()``
funnels into ``procedure_migrate`` too, so the admin and ``objects.create`` change the unit
table exactly the same way.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from parts.models import ModelPart
from parts.unit_tables import cache, engine
from parts.unit_tables.capacity import table_capacity
from parts.unit_tables.schema import fingerprint, plan_schema
from procedures.config import validate_procedure_config
from procedures.exceptions import ProcedureConflict
from procedures.models import PartProcedureDetail, ProcedureVersion


def _stored(procedure):
    """The saved row of ``procedure`` (or of its part, for a new one), locked for update.

    The part row is locked ``FOR NO KEY UPDATE``: that serialises saves of the part's
    procedure but lets scans keep inserting events that reference the part (their foreign-key
    check takes ``KEY SHARE``). A plain ``FOR UPDATE`` deadlocks with a scan that has already
    updated a unit row when the schema change then waits for the unit table.
    """
    ModelPart.objects.select_for_update(no_key=True).filter(pk=procedure.model_part_id).first()
    return (
        PartProcedureDetail.objects.select_for_update(of=("self",))
        .select_related("updated_by", "model_part")
        .filter(model_part_id=procedure.model_part_id)
        .first()
    )


def _conflict(stored):
    return ProcedureConflict(
        part=stored.model_part,
        changed_by=stored.updated_by,
        changed_at=stored.updated_at,
        current_version=stored.version,
    )


def procedure_validate(*, procedure):
    """Return ``procedure.procedure_config`` validated and normalised against what is saved.

    Raises ``ValidationError`` listing each problem with the entry it is in.
    """
    stored = (
        PartProcedureDetail.objects.filter(model_part_id=procedure.model_part_id)
        .values("procedure_config", "applied_schema")
        .first()
    ) or {}
    return validate_procedure_config(
        procedure.procedure_config,
        previous_config=stored.get("procedure_config"),
        applied_schema=stored.get("applied_schema"),
        capacity=table_capacity(procedure.model_part_id),
    )


def procedure_migrate(*, procedure):
    """Bring ``procedure``'s unit table in line with its config; called by ``save()``.

    Runs inside the caller's transaction: locks the part and procedure rows, refuses a
    stale edit (``procedure.version`` older than the saved one) with ``ProcedureConflict``,
    validates the config, runs the DDL the change needs (none when the schema is unchanged)
    and sets the new applied schema, fingerprint and version on ``procedure`` for the save
    that follows. Returns the ``SchemaPlan`` applied.
    """
    stored = _stored(procedure)
    if stored is not None and (procedure.pk is None or stored.version != procedure.version):
        raise _conflict(stored)
    applied_schema = stored.applied_schema if stored else {}
    config = validate_procedure_config(
        procedure.procedure_config,
        previous_config=stored.procedure_config if stored else None,
        applied_schema=applied_schema,
        capacity=table_capacity(procedure.model_part_id),
    )
    plan = plan_schema(applied_schema, config)
    engine.apply_plan(part=procedure.model_part, plan=plan, applied_schema=applied_schema)
    changed = stored is None or plan.changes_schema or config != stored.procedure_config
    procedure.procedure_config = config
    procedure.applied_schema = plan.schema
    procedure.schema_fingerprint = fingerprint(plan.schema)
    if changed:
        procedure.version = (stored.version if stored else 0) + 1
    return plan


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
    plan = plan_schema(applied_schema, config)
    plan.units_holding_data = engine.count_units_holding_data(part, plan, applied_schema)
    return plan


def procedure_drop_retired_column(*, part, column, confirmation, user):
    """Drop a retired column of ``part``'s unit table, with all the data it holds.

    ``confirmation`` must repeat the column name: dropping cannot be undone. Raises
    ``ValidationError`` for a column that is unknown, still in use or not confirmed.
    """
    if confirmation != column:
        raise ValidationError(
            f'column "{column}": type the column name to confirm; its data will be gone for good',
            code="not_confirmed",
        )
    with transaction.atomic():
        procedure = PartProcedureDetail.objects.filter(model_part=part).first()
        if procedure is None:
            raise ValidationError(f"{part.part_no} has no procedure", code="no_procedure")
        stored = _stored(procedure)
        schema = engine.drop_column(part=part, applied_schema=stored.applied_schema, column=column)
        PartProcedureDetail.objects.filter(pk=stored.pk).update(
            applied_schema=schema,
            schema_fingerprint=fingerprint(schema),
            version=stored.version + 1,
            updated_by=user,
            updated_at=timezone.now(),
        )
    cache.forget(part.pk)
    stored.refresh_from_db()
    return stored


def procedure_version_record(*, procedure):
    """Keep the version ``procedure`` was just saved as in its history, once.

    Called by ``PartProcedureDetail.save`` inside its transaction, after the row is
    written; a save that did not change the version adds nothing.
    """
    if ProcedureVersion.objects.filter(procedure=procedure, version=procedure.version).exists():
        return None
    return ProcedureVersion.objects.create(
        procedure=procedure,
        version=procedure.version,
        procedure_config=procedure.procedure_config,
        saved_by=procedure.updated_by,
        saved_at=procedure.updated_at,
    )


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
