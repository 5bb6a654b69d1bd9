"""The applied schema of a unit table and the plan that moves it to what a procedure asks.

The applied schema is what the table really holds, kept on the procedure row as JSON::

    {"columns": {"is_smd": {"owner": "stage:smd", "type": "flag", "retired": false}, ...}}

Every column ever created stays listed: a removed stage or field only marks its columns
``retired`` (hidden from the model, data kept), so re-adding the same key restores them.
Only ``drop_retired_column`` removes one for good.
"""

import hashlib
import json
from dataclasses import dataclass, field

from parts.unit_tables.naming import field_columns, stage_at_column, stage_columns

# Column types. Stage columns: flag (done), when, who, result; field columns: the v1 types.
STAGE_COLUMN_TYPES = ("flag", "when", "who", "result")
FIELD_STORAGE = {
    "text": "text",
    "choice": "text",
    "integer": "integer",
    "decimal": "decimal",
    "boolean": "boolean",
    "date": "date",
    "measurement": "decimal",
}


def storage_of(column_type):
    """Column types that share storage convert without DDL (text and choice)."""
    return FIELD_STORAGE.get(column_type, column_type)


def desired_columns(config):
    """The active columns a (validated) procedure config asks for, in config order.

    The time column of a stage that records measurements is indexed: the part dashboard reads
    a period's values by it, and without an index every period reads the whole table."""
    columns = {}
    measured = {
        entry.get("stage") for entry in config.get("fields", []) if entry["type"] == "measurement"
    }
    for index, stage in enumerate(config["stages"]):
        owner = f"stage:{stage['key']}"
        names = stage_columns(stage["key"], stage["result"])
        for name, column_type in zip(names, STAGE_COLUMN_TYPES, strict=False):
            columns[name] = {"owner": owner, "type": column_type, "where": f"stages[{index}]"}
        if stage["key"] in measured:
            columns[stage_at_column(stage["key"])]["indexed"] = True
    for index, entry in enumerate(config.get("fields", [])):
        spec = {
            "owner": f"field:{entry['key']}",
            "type": entry["type"],
            "where": f"fields[{index}]",
        }
        if entry["type"] == "choice":
            spec["choices"] = list(entry["choices"])
        if entry.get("unique"):
            spec["unique"] = True
        columns[field_columns(entry["key"])] = spec
    return columns


def _stored(spec, retired=False):
    stored = {"owner": spec["owner"], "type": spec["type"], "retired": retired}
    if "choices" in spec:
        stored["choices"] = spec["choices"]
    for flag in ("unique", "indexed"):
        if spec.get(flag):
            stored[flag] = True
    return stored


def schema_columns(applied_schema):
    """Every column an applied schema lists, retired ones included (``{}`` before a table)."""
    return (applied_schema or {}).get("columns", {})


def has_table(applied_schema):
    """Whether the applied schema describes a table that exists."""
    return bool(applied_schema) and "columns" in applied_schema


def retired_columns(applied_schema):
    """The names of the columns kept retired (hidden, data kept), sorted."""
    return sorted(name for name, spec in schema_columns(applied_schema).items() if spec["retired"])


def owner_key(spec):
    """The stage or field key a column belongs to (``"stage:smd"`` gives ``"smd"``)."""
    return spec["owner"].partition(":")[2]


def retired_stage_keys(applied_schema):
    """The keys of stages whose columns are retired."""
    return frozenset(
        owner_key(spec)
        for spec in schema_columns(applied_schema).values()
        if spec.get("retired") and spec.get("owner", "").startswith("stage:")
    )


def active_columns(applied_schema, config):
    """The columns a unit model shows, in the procedure's order (stages, then fields)."""
    columns = schema_columns(applied_schema)
    ordered = [name for name in desired_columns(config) if name in columns]
    ordered += sorted(name for name in columns if name not in ordered)
    return {name: columns[name] for name in ordered if not columns[name]["retired"]}


def fingerprint(schema):
    """A short hash of the columns (names, types, choices, retired) of an applied schema."""
    canonical = json.dumps(schema_columns(schema), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class Conversion:
    column: str
    where: str
    old_type: str
    new_type: str
    choices: list | None = None

    @property
    def needs_ddl(self):
        return storage_of(self.old_type) != storage_of(self.new_type)

    def describe(self):
        if self.old_type == self.new_type:
            return f"{self.column}: choices changed"
        return f"{self.column}: {self.old_type} to {self.new_type}"


@dataclass
class SchemaPlan:
    """What applying a procedure does to its unit table."""

    create_table: bool
    schema: dict
    added: list = field(default_factory=list)
    retired: list = field(default_factory=list)
    restored: list = field(default_factory=list)
    converted: list = field(default_factory=list)
    # Columns that gain a unique index (no two units hold the same value) and that lose it.
    made_unique: list = field(default_factory=list)
    made_not_unique: list = field(default_factory=list)
    # Columns that gain a plain index (a measured stage's time) and that lose it.
    made_indexed: list = field(default_factory=list)
    made_not_indexed: list = field(default_factory=list)
    # Filled by a preview: for each retired column, how many units hold data in it.
    units_holding_data: dict = field(default_factory=dict)

    def retired_holding_data(self):
        """The retired columns that units hold data in (a preview's counts): ``{column: units}``."""
        return {column: units for column, units in self.units_holding_data.items() if units}

    @property
    def runs_ddl(self):
        return (
            self.create_table
            or bool(self.added or self.made_unique or self.made_not_unique)
            or bool(self.made_indexed or self.made_not_indexed)
            or any(c.needs_ddl for c in self.converted)
        )

    @property
    def changes_schema(self):
        return bool(
            self.create_table
            or self.added
            or self.retired
            or self.restored
            or self.converted
            or self.made_unique
            or self.made_not_unique
            or self.made_indexed
            or self.made_not_indexed
        )

    def as_dict(self):
        """The plan as plain data, for the editor's preview and for JSON answers."""
        return {
            "create_table": self.create_table,
            "added": list(self.added),
            "retired": [
                {"column": name, "units_holding_data": self.units_holding_data.get(name)}
                for name in self.retired
            ],
            "restored": list(self.restored),
            "converted": [
                {"column": c.column, "from": c.old_type, "to": c.new_type} for c in self.converted
            ],
            "made_unique": list(self.made_unique),
            "made_not_unique": list(self.made_not_unique),
            "made_indexed": list(self.made_indexed),
            "made_not_indexed": list(self.made_not_indexed),
        }


def plan_schema(applied_schema, config):
    """Compare the applied schema with a validated config: what to add, retire, restore, convert."""
    old_columns = schema_columns(applied_schema)
    create_table = not has_table(applied_schema)
    wanted = desired_columns(config)
    plan = SchemaPlan(create_table=create_table, schema={"columns": {}})
    new_columns = plan.schema["columns"]
    for name, spec in wanted.items():
        old = old_columns.get(name)
        new_columns[name] = _stored(spec)
        if spec.get("unique") and (old is None or not old.get("unique")):
            plan.made_unique.append(name)
        elif old is not None and old.get("unique") and not spec.get("unique"):
            plan.made_not_unique.append(name)
        if spec.get("indexed") and (old is None or not old.get("indexed")):
            plan.made_indexed.append(name)
        elif old is not None and old.get("indexed") and not spec.get("indexed"):
            plan.made_not_indexed.append(name)
        if old is None:
            if not create_table:
                plan.added.append(name)
            continue
        if old["retired"]:
            plan.restored.append(name)
        if old["type"] != spec["type"] or (
            spec["type"] == "choice" and old.get("choices") != spec.get("choices")
        ):
            plan.converted.append(
                Conversion(name, spec["where"], old["type"], spec["type"], spec.get("choices"))
            )
    for name, old in sorted(old_columns.items()):  # JSONB keeps no key order: sort
        if name in new_columns:
            continue
        new_columns[name] = {**old, "retired": True}
        if not old["retired"]:
            plan.retired.append(name)
    return plan
