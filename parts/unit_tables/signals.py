"""Signals for code that wants to react to unit-table schema changes.

All are sent with ``sender`` = the ``ModelPart`` class, once the change is committed:

- ``unit_table_created(part, model)``: the part's unit table was created.
- ``unit_table_changed(part, model, plan)``: its columns changed (added, retired,
  restored or converted); ``plan`` is the ``SchemaPlan`` applied.
- ``unit_column_retired(part, column)``: a column was retired (hidden, data kept).
- ``unit_column_dropped(part, column)``: a retired column was dropped with its data.
"""

from django.dispatch import Signal

unit_table_created = Signal()
unit_table_changed = Signal()
unit_column_retired = Signal()
unit_column_dropped = Signal()
