"""The per-process cache of generated unit models.

Each process keeps the model it built for a part under the (version, fingerprint) the
procedure row had then. Getting a model reads those two values from the database (one
small query by primary key, or none when the caller passes the row it already loaded) and
rebuilds only when they moved, so a schema change made by any process is seen by every
other one on its next request. Nothing is built at start-up: a process that never touches
a part never builds its model.
"""

import threading
from collections import OrderedDict

from django.conf import settings

from parts.unit_tables.builder import build_model
from parts.unit_tables.exceptions import NoUnitTable
from parts.unit_tables.schema import desired_columns

_lock = threading.Lock()
_models = OrderedDict()  # part pk -> ((version, fingerprint, part_no), model)


def cache_size():
    return getattr(settings, "UNIT_MODEL_CACHE_SIZE", 2000)


def _procedure_model():
    from procedures.models import PartProcedureDetail

    return PartProcedureDetail


def _no_table(part):
    return NoUnitTable(f"Part {part.part_no} has no unit table yet: save its procedure first.")


def _active_columns(procedure):
    """The columns the model shows, in the procedure's order (stages, then fields)."""
    columns = procedure.applied_schema["columns"]
    ordered = [name for name in desired_columns(procedure.procedure_config) if name in columns]
    ordered += sorted(name for name in columns if name not in ordered)
    return {name: columns[name] for name in ordered if not columns[name]["retired"]}


def unit_model_for(part, procedure=None):
    """The model class of ``part``'s unit table as the database has it now.

    ``procedure`` may be the part's ``PartProcedureDetail`` row when the caller already
    loaded it (it must be current). Raises ``NoUnitTable`` when there is no procedure.
    """
    if procedure is None:
        state = (
            _procedure_model()
            .objects.filter(model_part_id=part.pk)
            .values_list("version", "schema_fingerprint")
            .first()
        )
    else:
        state = (procedure.version, procedure.schema_fingerprint)
    if state is not None:
        # The class is named after the part, so a renamed part gets a new class too.
        state = (*state, part.part_no)
    if state is None or not state[1]:
        raise _no_table(part)
    cached = _models.get(part.pk)
    if cached is not None and cached[0] == state:
        with _lock:
            if part.pk in _models:
                _models.move_to_end(part.pk)  # least recently used goes first
        return cached[1]
    if procedure is None or procedure.model_part_id != part.pk:
        procedure = _procedure_model().objects.filter(model_part_id=part.pk).first()
        if procedure is None or not procedure.schema_fingerprint:
            raise _no_table(part)
        state = (procedure.version, procedure.schema_fingerprint, part.part_no)
    active = _active_columns(procedure)
    model = build_model(
        part=part, columns=active, config=procedure.procedure_config, version=procedure.version
    )
    with _lock:
        _models[part.pk] = (state, model)
        _models.move_to_end(part.pk)
        while len(_models) > cache_size():
            _models.popitem(last=False)
    return model


def forget(part_pk=None):
    """Drop cached models (one part's, or all): they are rebuilt on next use."""
    with _lock:
        if part_pk is None:
            _models.clear()
        else:
            _models.pop(part_pk, None)


def cached_count():
    return len(_models)
