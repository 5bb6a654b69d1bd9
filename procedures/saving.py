"""What saving a procedure does, every way it is saved: validate, lock, migrate, keep the version.

``PartProcedureDetail.save()`` calls ``procedure_migrate`` (the one call into the unit-table
engine, ``parts.unit_tables.engine.apply_config``) and then ``procedure_version_record``, in
its transaction. ``procedures.services.procedure_apply`` and the JSON endpoint, the admin and
``objects.create()`` all save through it. This module imports no model module (it reaches the
rows through the procedure it is handed), so ``procedures.models`` can import it.
"""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from parts.unit_tables import engine
from parts.unit_tables.capacity import table_capacity
from procedures.config import validate_procedure_config
from procedures.exceptions import ProcedureConflict


def _rows(procedure):
    return type(procedure)._default_manager


def procedure_locked(procedure):
    """The saved row of ``procedure`` (or of its part, for a new one), locked for update.

    The part row is locked ``FOR NO KEY UPDATE``: that serialises saves of the part's
    procedure but lets scans keep inserting events that reference the part (their foreign-key
    check takes ``KEY SHARE``). A plain ``FOR UPDATE`` deadlocks with a scan that has already
    updated a unit row when the schema change then waits for the unit table.
    """
    part_model = type(procedure)._meta.get_field("model_part").related_model
    part_model._default_manager.select_for_update(no_key=True).filter(
        pk=procedure.model_part_id
    ).first()
    return (
        _rows(procedure)
        .select_for_update(of=("self",))
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
        _rows(procedure)
        .filter(model_part_id=procedure.model_part_id)
        .values("procedure_config", "applied_schema")
        .first()
    ) or {}
    config = validate_procedure_config(
        procedure.procedure_config,
        previous_config=stored.get("procedure_config"),
        applied_schema=stored.get("applied_schema"),
        capacity=table_capacity(procedure.model_part_id),
    )
    component_parts_check(config, parts=_parts(procedure))
    return config


def _parts(procedure):
    return type(procedure)._meta.get_field("model_part").related_model


def component_parts_check(config, *, parts):
    """Every part a stage installs units of (``components[].part_no``) exists among ``parts``
    (the part model's manager holder); raises ``ValidationError`` naming each missing one.
    Done where the procedure is saved or previewed, the config validator reading no table."""
    named = [
        (f"stages[{s}].components[{c}].part_no", entry["part_no"])
        for s, stage in enumerate(config.get("stages") or [])
        for c, entry in enumerate(stage.get("components") or [])
        if entry.get("part_no")
    ]
    if not named:
        return
    asked = Q()
    for _where, part_no in named:
        asked |= Q(part_no__iexact=part_no)
    found = parts._default_manager.filter(asked).values_list("part_no", flat=True)
    known = {part_no.casefold() for part_no in found}
    message = _('there is no part %(part_no)s: name an existing part (or say "kind": "lot").')
    missing = [
        f"{where}: {message % {'part_no': part_no}}"
        for where, part_no in named
        if part_no.casefold() not in known
    ]
    if missing:
        raise ValidationError(missing)


def procedure_migrate(*, procedure):
    """Bring ``procedure``'s unit table in line with its config; called by ``save()``.

    Runs inside the caller's transaction: locks the part and procedure rows, refuses a
    stale edit (``procedure.version`` older than the saved one) with ``ProcedureConflict``,
    validates the config, has the engine run the DDL the change needs (none when the schema
    is unchanged) and sets the new applied schema, fingerprint and version on ``procedure``
    for the save that follows. Returns the ``SchemaPlan`` applied.
    """
    stored = procedure_locked(procedure)
    if stored is not None and (procedure.pk is None or stored.version != procedure.version):
        raise _conflict(stored)
    applied_schema = stored.applied_schema if stored else {}
    config = validate_procedure_config(
        procedure.procedure_config,
        previous_config=stored.procedure_config if stored else None,
        applied_schema=applied_schema,
        capacity=table_capacity(procedure.model_part_id),
    )
    component_parts_check(config, parts=_parts(procedure))
    applied = engine.apply_config(
        part=procedure.model_part, config=config, applied_schema=applied_schema
    )
    changed = stored is None or applied.plan.changes_schema or config != stored.procedure_config
    procedure.procedure_config = config
    procedure.applied_schema = applied.schema
    procedure.schema_fingerprint = applied.fingerprint
    if changed:
        procedure.version = (stored.version if stored else 0) + 1
    return applied.plan


def procedure_version_record(*, procedure):
    """Keep the version ``procedure`` was just saved as in its history, once.

    Called by ``PartProcedureDetail.save`` inside its transaction, after the row is
    written; a save that did not change the version adds nothing.
    """
    if procedure.versions.filter(version=procedure.version).exists():
        return None
    return procedure.versions.create(
        version=procedure.version,
        procedure_config=procedure.procedure_config,
        saved_by=procedure.updated_by,
        saved_at=procedure.updated_at,
    )
