"""The per-process cache of generated unit models.

Each process keeps the model it built for a part under the (version, fingerprint) the
procedure row had then. Getting a model reads those two values from the database (one
small query by primary key, or none when the caller passes the row it already loaded) and
rebuilds only when they moved, so a schema change made by any process is seen by every
other one on its next request. Nothing is built at start-up: a process that never touches
a part never builds its model.

What other code derives from a model (the scan plan of ``scanning.plans``) is kept in the
same entry with ``keep`` and read with ``kept``: one cache, bounded by
``UNIT_MODEL_CACHE_SIZE``, and nothing outlives the model it was built from.

The procedure row is reached through the part (``part.procedure``, the relation the
procedures app declares): this module imports nothing from ``procedures``.
"""

import threading
from collections import OrderedDict

from django.conf import settings
from django.utils.translation import gettext as _

from parts.unit_tables.builder import build_model
from parts.unit_tables.exceptions import NoUnitTable
from parts.unit_tables.schema import active_columns

_lock = threading.Lock()
_models = OrderedDict()  # part pk -> _Entry


class _Entry:
    __slots__ = ("derived", "model", "state")

    def __init__(self, state, model):
        self.state = state  # (version, fingerprint, part_no)
        self.model = model
        self.derived = {}


def cache_size():
    return getattr(settings, "UNIT_MODEL_CACHE_SIZE", 2000)


def _procedure_rows(part):
    """The manager of the rows that hold each part's procedure and applied schema."""
    return type(part)._meta.get_field("procedure").related_model._default_manager


def _no_table(part):
    return NoUnitTable(
        _("Part %(part_no)s has no unit table yet: save its procedure first.")
        % {"part_no": part.part_no}
    )


def _touch(part_pk):
    with _lock:
        if part_pk in _models:
            _models.move_to_end(part_pk)  # least recently used goes first


def unit_model_for(part, procedure=None):
    """The model class of ``part``'s unit table as the database has it now.

    ``procedure`` may be the part's ``PartProcedureDetail`` row when the caller already
    loaded it (it must be current). Raises ``NoUnitTable`` when there is no procedure.
    """
    if procedure is None:
        state = (
            _procedure_rows(part)
            .filter(model_part_id=part.pk)
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
    if cached is not None and cached.state == state:
        _touch(part.pk)
        return cached.model
    if procedure is None or procedure.model_part_id != part.pk:
        procedure = _procedure_rows(part).filter(model_part_id=part.pk).first()
        if procedure is None or not procedure.schema_fingerprint:
            raise _no_table(part)
        state = (procedure.version, procedure.schema_fingerprint, part.part_no)
    active = active_columns(procedure.applied_schema, procedure.procedure_config)
    model = build_model(
        part=part, columns=active, config=procedure.procedure_config, version=procedure.version
    )
    with _lock:
        _models[part.pk] = _Entry(state, model)
        _models.move_to_end(part.pk)
        while len(_models) > cache_size():
            _models.popitem(last=False)
    return model


def kept(part_pk, version, fingerprint, name):
    """What ``keep`` stored as ``name`` for the part, while its model is at (version,
    fingerprint); None otherwise (the caller builds it and keeps it again)."""
    entry = _models.get(part_pk)
    if entry is None or entry.state[0] != version or (entry.state[1] or "") != fingerprint:
        return None
    value = entry.derived.get(name)
    if value is not None:
        _touch(part_pk)
    return value


def keep(part_pk, model, name, value):
    """Keep ``value``, derived from ``model``, beside it: it goes when the model goes."""
    with _lock:
        entry = _models.get(part_pk)
        if entry is not None and entry.model is model:
            entry.derived[name] = value


def forget(part_pk=None):
    """Drop cached models (one part's, or all): they are rebuilt on next use."""
    with _lock:
        if part_pk is None:
            _models.clear()
        else:
            _models.pop(part_pk, None)


def cached_count():
    return len(_models)
