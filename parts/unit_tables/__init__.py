"""Unit tables: every part's procedure generates its own Django model and database table.

The public face (the rest of the code uses only these):

- ``ModelPart.unit_model()`` (or ``unit_model_for(part)``): the model class of the part's
  unit table, current in this process; raises ``NoUnitTable`` before a procedure is saved.
- ``procedures.services.procedure_apply(...)`` and friends change the table, through
  ``plan_schema`` / ``apply_plan`` / ``drop_column`` here.
- ``signals``: unit_table_created, unit_table_changed, unit_column_retired,
  unit_column_dropped.

Naming of tables, classes and columns: see ``parts.unit_tables.naming``.
"""

from parts.unit_tables.cache import unit_model_for
from parts.unit_tables.exceptions import NoUnitTable, UnitTableBusy, UnitTableError

__all__ = ["NoUnitTable", "UnitTableBusy", "UnitTableError", "unit_model_for"]
