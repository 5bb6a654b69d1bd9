"""The schema editor unit-table changes run in, on SQLite and PostgreSQL.

Two things differ from Django's stock editor:

- It works inside the caller's transaction on SQLite too. Django refuses there because
  remaking a table that other tables reference needs foreign-key checks off, which SQLite
  cannot switch mid-transaction. A unit table has no foreign keys, in or out, and every
  change the engine makes is an ``ALTER TABLE`` (add, drop or rename a column), never a
  table remake, so the checks may stay on. That lets a procedure row and its table change
  in one transaction, the admin's included: both commit, or neither does.
- On PostgreSQL it waits for table locks only ``UNIT_TABLE_LOCK_TIMEOUT`` (default 3 s): a
  schema change queued behind a long scan transaction would otherwise make every following
  scan queue behind it. A timeout raises ``UnitTableBusy`` and nothing is applied.
"""

from contextlib import contextmanager

from django.conf import settings
from django.db import OperationalError, connection
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models.expressions import Value
from django.utils.translation import gettext as _

from parts.unit_tables.exceptions import UnitTableBusy

LOCK_NOT_AVAILABLE = "55P03"


def lock_timeout():
    return getattr(settings, "UNIT_TABLE_LOCK_TIMEOUT", "3s")


def _sqlite_editor_class(base):
    class UnitTableSQLiteEditor(base):
        def __enter__(self):
            # Outside a transaction this switches the checks off as usual; inside one it
            # cannot, and need not (see the module docstring).
            self.checks_were_disabled = self.connection.disable_constraint_checking()
            return BaseDatabaseSchemaEditor.__enter__(self)

        def __exit__(self, exc_type, exc_value, traceback):
            BaseDatabaseSchemaEditor.__exit__(self, exc_type, exc_value, traceback)
            if self.checks_were_disabled:
                self.connection.enable_constraint_checking()

        def add_field(self, model, field):
            # SQLite adds a NOT NULL column in place when it has a constant default; Django
            # would copy the whole table instead (it plans to drop the default afterwards,
            # which a database default never needs).
            default = field.db_default
            constant_default = field.has_db_default() and (
                isinstance(default, Value) or not hasattr(default, "resolve_expression")
            )
            if not (field.primary_key or field.unique) and (field.null or constant_default):
                return BaseDatabaseSchemaEditor.add_field(self, model, field)
            return super().add_field(model, field)

    return UnitTableSQLiteEditor


def _is_lock_timeout(error):
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) == LOCK_NOT_AVAILABLE


@contextmanager
def unit_schema_editor():
    """A schema editor in its own savepoint: every statement in it applies, or none does."""
    editor_class = connection.SchemaEditorClass
    if connection.vendor == "sqlite":
        editor_class = _sqlite_editor_class(editor_class)
    try:
        with editor_class(connection, atomic=True) as editor:
            previous = None
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT current_setting('lock_timeout')")
                    previous = cursor.fetchone()[0]
                    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [lock_timeout()])
            yield editor
            # Deferred statements (indexes) run on leaving the editor, still under the timeout.
            for sql in editor.deferred_sql:
                editor.execute(sql)
            editor.deferred_sql = []
            if previous is not None:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
    except OperationalError as error:
        if _is_lock_timeout(error):
            raise UnitTableBusy(
                _(
                    "The unit table is in use by scans right now and could not be changed "
                    "within %(timeout)s; nothing was changed. Please try again in a moment."
                )
                % {"timeout": lock_timeout()}
            ) from error
        raise
