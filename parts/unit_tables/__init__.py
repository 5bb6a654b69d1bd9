"""Unit tables: every part's procedure generates its own Django model and database table.

The public face (the rest of the code uses only these):

- ``ModelPart.unit_model()`` (or ``unit_model_for(part)``): the model class of the part's
  unit table, current in this process; raises ``NoUnitTable`` before a procedure is saved.
- ``engine.apply_config(part=, config=, applied_schema=)``: the one path by which a
  procedure change reaches the table (plan, DDL, new schema and fingerprint); the
  procedures app calls it from ``PartProcedureDetail.save()`` and stores what it returns.
  ``engine.preview_config`` and ``engine.drop_column`` are its companions. The engine
  imports nothing from ``procedures``: it is handed the schema, the version and the
  fingerprint.
- ``schema``: reads of an applied schema (``schema_columns``, ``retired_columns``,
  ``retired_stage_keys``, ``active_columns``) and the plan.
- ``signals``: unit_table_created, unit_table_changed, unit_column_retired,
  unit_column_dropped.

Naming of tables, classes and columns: see ``parts.unit_tables.naming``; every column name
used elsewhere comes from there.
"""

from parts.unit_tables.cache import unit_model_for
from parts.unit_tables.exceptions import NoUnitTable, UnitTableBusy, UnitTableError

__all__ = ["NoUnitTable", "UnitTableBusy", "UnitTableError", "unit_model_for"]
