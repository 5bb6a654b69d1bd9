"""What a scan needs to know about a part, read once per process and kept per procedure version.

A scan must not pay for reading and parsing the procedure every time, and its cost must not
grow with the number of parts. The scan reads the part's current procedure version in the same
query that finds the unit's part; ``part_plan`` returns the cached plan while that version (and
the applied schema's fingerprint) is unchanged, and rebuilds it when another process has saved
a new procedure, so a scan never follows a stale procedure or a stale unit model.

What a scan would otherwise work out from the plan every time (a stage by its key, the
fields of a stage, the stages new units start at, column names) is worked out once per plan
(``cached_property``): a new procedure version makes a new plan, so none of it outlives the
procedure it was worked out from.
"""

from dataclasses import dataclass, field
from functools import cached_property

from parts.models import ModelPart
from parts.unit_tables import cache, unit_model_for
from parts.unit_tables.naming import (
    field_columns,
    stage_at_column,
    stage_by_column,
    stage_flag_column,
    stage_result_column,
)
from parts.unit_tables.schema import retired_stage_keys


@dataclass(frozen=True)
class ComponentPlan:
    """One entry of what is installed at a stage: a unit of ``part_no``, or a material lot."""

    key: str
    label: str
    kind: str  # "unit" or "lot"
    part_no: str
    required: bool

    @property
    def is_lot(self):
        return self.kind == "lot"


@dataclass(frozen=True)
class StagePlan:
    """One stage of a procedure, with the names of its unit-table columns."""

    key: str
    label: str
    optional: bool
    pass_fail: bool
    instructions: str
    media: tuple
    position: int
    components: tuple = ()

    @cached_property
    def flag(self):
        return stage_flag_column(self.key)

    @cached_property
    def at(self):
        return stage_at_column(self.key)

    @cached_property
    def by(self):
        return stage_by_column(self.key)

    @cached_property
    def result(self):
        return stage_result_column(self.key)

    @property
    def columns(self):
        columns = [self.flag, self.at, self.by]
        if self.pass_fail:
            columns.append(self.result)
        return columns


@dataclass(frozen=True)
class FieldPlan:
    """One unit field of a procedure: its rules (the config entry) and its column."""

    key: str
    label: str
    type: str
    stage: str
    required: bool
    unique: bool
    entry: dict = field(compare=False, repr=False)

    @cached_property
    def column(self):
        return field_columns(self.key)

    @cached_property
    def unit(self):
        return self.entry.get("unit") or ""

    @cached_property
    def min(self):
        return self.entry.get("min")

    @cached_property
    def max(self):
        return self.entry.get("max")

    @cached_property
    def default(self):
        return self.entry.get("default")


@dataclass(frozen=True)
class PartPlan:
    """A part's stages in process order, its retired stages and its unit model."""

    part_id: int
    part_no: str
    model_no: str
    version: object
    fingerprint: str
    stages: tuple
    retired_stages: frozenset
    unit_model: type
    usid_pattern: str = ""
    usid_example: str = ""
    fields: tuple = ()
    sql: dict = field(default_factory=dict, compare=False, repr=False)  # built by scan_sql
    # What the scan rules work out once per plan (``stage_data``: a stage's defaults).
    kept: dict = field(default_factory=dict, compare=False, repr=False)

    def stage(self, key):
        return self._stages_by_key.get(key)

    @cached_property
    def _stages_by_key(self):
        by_key = {}
        for stage in self.stages:
            by_key.setdefault(stage.key, stage)
        return by_key

    def missing_before(self, stage, row):
        """The non-optional stages before ``stage`` that ``row`` has not passed."""
        return [
            earlier
            for earlier in self.stages[: stage.position]
            if not earlier.optional and not row.get(earlier.flag)
        ]

    def failed_stages(self, row):
        """The pass/fail stages whose last result in ``row`` is a fail not yet passed again."""
        return [
            stage
            for stage in self.stages
            if stage.pass_fail and row.get(stage.result) == "fail" and not row.get(stage.flag)
        ]

    def stage_fields(self, stage_key):
        """The fields entered with a scan of stage ``stage_key``, in procedure order."""
        return self._fields_by_stage.get(stage_key, ())

    @cached_property
    def _fields_by_stage(self):
        by_stage = {}
        for entry in self.fields:
            by_stage[entry.stage] = (*by_stage.get(entry.stage, ()), entry)
        return by_stage

    @property
    def page_fields(self):
        """The fields without a stage: changed on the unit's page, not with a scan."""
        return tuple(entry for entry in self.fields if not entry.stage)

    @property
    def registering_stages(self):
        """Stages a new unit may start at: those with no non-optional stage before them."""
        return [stage for stage in self.stages if self.registers_at(stage)]

    def registers_at(self, stage):
        """Whether a new unit may start at ``stage`` (no non-optional stage before it)."""
        return stage.key in self._registering_keys

    @cached_property
    def _registering_keys(self):
        return frozenset(stage.key for stage in self.stages if not self.missing_before(stage, {}))

    @property
    def columns(self):
        names = ["id", "usid", "tag_no", "on_hold"]
        for stage in self.stages:
            names.extend(stage.columns)
        names.extend(entry.column for entry in self.fields)
        return names


def part_plan(part_id, version, fingerprint="", *, part=None):
    """The plan of part ``part_id`` at procedure ``version``, from the cache when it is current.

    Plans are kept beside the unit model they were built from, in the unit-table cache
    (``parts.unit_tables.cache``): one cache, bounded, and a plan goes when its model goes.
    ``part`` may be the part with its procedure, when the caller loaded both in the query that
    read ``version``: a plan is then built without reading them again (a page listing a hundred
    parts in a new process builds a hundred plans).
    """
    plan = cache.kept(part_id, version, fingerprint, "scan_plan")
    if plan is None:
        plan = _plan_build(part_id, part)
        cache.keep(part_id, plan.unit_model, "scan_plan", plan)
    return plan


def plan_of_part(part):
    """The current part plan of ``part`` (None when it has no procedure)."""
    procedure = getattr(part, "procedure", None)
    if procedure is None:
        return None
    return part_plan(part.pk, procedure.version, procedure.schema_fingerprint or "", part=part)


def part_plan_cache_clear():
    cache.forget()


def _plan_build(part_id, part=None):
    if part is None:
        part = ModelPart.objects.select_related("procedure").get(pk=part_id)
    procedure = part.procedure
    config = procedure.procedure_config or {}
    stages = tuple(
        StagePlan(
            key=entry["key"],
            label=entry.get("label") or entry["key"],
            optional=bool(entry.get("optional")),
            pass_fail=entry.get("result") == "pass_fail",
            instructions=entry.get("instructions") or "",
            media=tuple(entry.get("media") or ()),
            position=position,
            components=tuple(
                ComponentPlan(
                    key=component["key"],
                    label=component.get("label") or component["key"],
                    kind=component.get("kind") or ("unit" if component.get("part_no") else "lot"),
                    part_no=component.get("part_no") or "",
                    required=component.get("required", True),
                )
                for component in entry.get("components") or ()
            ),
        )
        for position, entry in enumerate(config.get("stages") or [])
    )
    fields = tuple(
        FieldPlan(
            key=entry["key"],
            label=entry.get("label") or entry["key"],
            type=entry["type"],
            stage=entry.get("stage") or "",
            required=bool(entry.get("required")),
            unique=bool(entry.get("unique")),
            entry=entry,
        )
        for entry in config.get("fields") or []
    )
    active = {stage.key for stage in stages}
    retired = retired_stage_keys(procedure.applied_schema)
    return PartPlan(
        part_id=part.pk,
        part_no=part.part_no,
        model_no=part.model_no,
        version=procedure.version,
        fingerprint=procedure.schema_fingerprint or "",
        stages=stages,
        retired_stages=retired - active,
        unit_model=unit_model_for(part, procedure),
        usid_pattern=config.get("usid_pattern") or "",
        usid_example=config.get("usid_example") or "",
        fields=fields,
    )
