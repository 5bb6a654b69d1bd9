"""The line's figures per part, counted by the database in one statement for any number of parts.

For each part the unit table is read once, counting with conditional aggregation
(``COUNT(*) FILTER (WHERE ...)``): units, held, finished, finished today, and per stage done,
waiting, failed and the first-pass counts, and the work in progress between stages. The states
come from ``stage_states`` (the same Q objects the unit list filters with), compiled to SQL by
Django, so a count and the list it leads to always agree.

First-pass yield needs the units that ever failed a stage, which only the scan log knows (a
unit's row keeps its last result). They are joined in from the log's fails (a partial index
holds them, see migration 0002), so the unit table is still read only once.

Units are counted by blocks of 10,000 primary keys (``GROUP BY id / 10000``), so that
``figure_cache`` can count again only the blocks whose units changed. All parts' counts come
back from one ``UNION ALL`` statement: the overview's queries do not grow with the number of
parts it shows (SQLite caps a compound statement at 500 terms, so it gets one statement per
200 parts).
"""

import functools
from dataclasses import dataclass, field
from itertools import zip_longest

from django.db import connection
from django.db.models import Q

from shopfloor.dashboards import stage_states
from shopfloor.stations.models import ScanEvent

SQLITE_PARTS_PER_STATEMENT = 200
# Units are counted by blocks of primary keys, so that after a scan only its unit's block is
# counted again (see figure_cache).
UNITS_PER_BLOCK = 10_000


@dataclass
class StageFigures:
    key: str
    label: str
    optional: bool
    pass_fail: bool
    done: int = 0
    waiting: int = 0
    failed: int = 0
    tested: int = 0
    first_pass: int = 0

    @property
    def first_pass_yield(self):
        """Share (percent) of the units with a result here that never failed here."""
        if not self.pass_fail or not self.tested:
            return None
        return 100 * self.first_pass / self.tested


@dataclass
class Gap:
    after: str
    before: str
    units: int


@dataclass
class PartFigures:
    part_id: int
    units: int = 0
    on_hold: int = 0
    finished: int = 0
    finished_today: int = 0
    stages: list = field(default_factory=list)
    gaps: list = field(default_factory=list)

    @property
    def in_progress(self):
        return self.units - self.finished

    def stage(self, key):
        return next((stage for stage in self.stages if stage.key == key), None)

    @property
    def flow(self):
        """Each stage with the gap after it (None after the last): the line as it reads."""
        return list(zip_longest(self.stages, self.gaps))


# Stands in the compiled statements for the start of today, filled in at each count: a
# part's statement is compiled once per procedure version, not once a day.
TODAY = object()


@functools.lru_cache(maxsize=1024)
def _counts(plan):
    """(name, Q or None for every row, needs-fails stage index or None) for one part.

    "finished_today" holds the Q of finished units; ``_part_select`` adds the time of the
    last finishing stage since the start of today.
    """
    counts = [("units", None, None), ("on_hold", Q(on_hold=True), None)]
    if plan.stages:
        finished = stage_states.finished_q(plan)
        counts.append(("finished", finished, None))
        counts.append(("finished_today", finished, None))
    for index, stage in enumerate(plan.stages):
        counts.append((f"done:{stage.key}", stage_states.done_q(stage), None))
        counts.append((f"waiting:{stage.key}", stage_states.waiting_q(plan, stage), None))
        if stage.pass_fail:
            tested = Q(**{f"{stage.result}__isnull": False})
            counts.append((f"failed:{stage.key}", stage_states.failed_q(stage), None))
            counts.append((f"tested:{stage.key}", tested, None))
            counts.append((f"tested_failed:{stage.key}", tested, index))
    for stage in plan.stages[:-1]:
        counts.append((f"gap:{stage.key}", stage_states.gap_q(plan, stage), None))
    return counts


def _compile(model, condition):
    query = model.objects.filter(condition).query
    compiler = query.get_compiler(connection=connection)
    return compiler.compile(query.where)


def _count_sql(condition_sql):
    if condition_sql is None:
        return "COUNT(*)"
    if connection.features.supports_aggregate_filter_clause:
        return f"COUNT(*) FILTER (WHERE {condition_sql})"
    return f"COUNT(CASE WHEN {condition_sql} THEN 1 END)"


@functools.lru_cache(maxsize=1024)
def _part_select(plan):
    """One part's SELECT in pieces: (count columns, FROM and joins, params), the params with
    ``TODAY`` where the start of today goes. The columns follow the part's id and the block
    of each unit; a WHERE on blocks and the GROUP BY are added per call.

    Compiling a part's conditions costs milliseconds of Python; a plan is immutable (a new
    procedure version is a new plan), so this runs once per procedure version and process.
    """
    quote = connection.ops.quote_name
    model = plan.unit_model
    table = quote(model._meta.db_table)
    columns, params = [], []
    for name, condition, fails_index in _counts(plan):
        if condition is None:
            columns.append(_count_sql(None))
            continue
        sql, condition_params = _compile(model, condition)
        params.extend(condition_params)
        if fails_index is not None:
            sql = f"({sql}) AND fails.f_{fails_index} = 1"
        if name == "finished_today":
            last = stage_states.finishing_stages(plan)[-1]
            sql = f"({sql}) AND {table}.{quote(last.at)} >= %s"
            params.append(TODAY)
        columns.append(_count_sql(sql))
    joins = f"FROM {table}"
    pass_fail = [(index, stage) for index, stage in enumerate(plan.stages) if stage.pass_fail]
    if pass_fail:
        events = quote(ScanEvent._meta.db_table)
        flags = ", ".join(
            f"MAX(CASE WHEN {quote('stage')} = %s THEN 1 ELSE 0 END) AS f_{index}"
            for index, _stage in pass_fail
        )
        joins += (
            f" LEFT JOIN (SELECT {quote('usid')} AS f_usid, {flags} FROM {events}"
            f" WHERE {quote('part_id')} = %s AND {quote('result')} = 'fail'"
            f" AND {quote('action')} = 'scan' GROUP BY {quote('usid')}) fails"
            f" ON fails.f_usid = {table}.{quote('usid')}"
        )
        params += [stage.key for _index, stage in pass_fail] + [plan.part_id]
    return tuple(columns), joins, tuple(params)


def _part_statement(plan, today_start, width):
    """One part's SELECT with ``width`` count columns (padded with NULL), and its params."""
    quote = connection.ops.quote_name
    columns, joins, params = _part_select(plan)
    table = quote(plan.unit_model._meta.db_table)
    head = [f"{int(plan.part_id)}", f"{table}.{quote('id')} / {UNITS_PER_BLOCK}"]
    # Typed, or PostgreSQL takes a padding NULL in the first part of the UNION for text.
    padding = ["CAST(NULL AS BIGINT)"] * (width - len(columns))
    today = connection.ops.adapt_datetimefield_value(today_start)
    select = f"SELECT {', '.join([*head, *columns, *padding])} {joins}"
    return select, [today if param is TODAY else param for param in params]


def _blocks_where(plan, blocks):
    """WHERE clause limiting a part's rows to ``blocks`` (primary-key ranges)."""
    quote = connection.ops.quote_name
    column = f"{quote(plan.unit_model._meta.db_table)}.{quote('id')}"
    ranges = " OR ".join(
        f"({column} >= {int(block) * UNITS_PER_BLOCK} AND "
        f"{column} < {(int(block) + 1) * UNITS_PER_BLOCK})"
        for block in sorted(blocks)
    )
    return f" WHERE {ranges}"


def in_statements(items):
    """``items`` split so that SQLite's limit on compound statements is never reached."""
    size = SQLITE_PARTS_PER_STATEMENT if connection.vendor == "sqlite" else len(items) or 1
    return [items[start : start + size] for start in range(0, len(items), size)]


def count_blocks(requests, *, today_start):
    """Count the units of each part by block of ``UNITS_PER_BLOCK`` primary keys.

    ``requests`` holds (plan, blocks) pairs, ``blocks`` None for every block of the part.
    Returns {part_id: {block: counts}}, ``counts`` a tuple in the order of the part's
    figures. One statement for all the parts.
    """
    counted = {}
    for batch in in_statements(list(requests)):
        width = max(len(_counts(plan)) for plan, _blocks in batch)
        selects, params = [], []
        for plan, blocks in batch:
            select, select_params = _part_statement(plan, today_start, width)
            if blocks is not None:
                select += _blocks_where(plan, blocks)
            selects.append(f"{select} GROUP BY 2")
            params.extend(select_params)
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(selects), params)
            rows = cursor.fetchall()
        sizes = {plan.part_id: len(_counts(plan)) for plan, _blocks in batch}
        for row in rows:
            part_id, block = row[0], row[1]
            counted.setdefault(part_id, {})[block] = tuple(row[2 : 2 + sizes[part_id]])
    return counted


def count_position(plan, name):
    """Where count ``name`` sits in the counts of ``plan`` (None if it has none)."""
    names = [counted for counted, _q, _f in _counts(plan)]
    return names.index(name) if name in names else None


def summed(blocks):
    """The counts of a part's blocks added up."""
    return tuple(sum(column) for column in zip(*blocks, strict=True)) if blocks else ()


def figures_from_counts(plan, counts, *, today_start):
    """The PartFigures of ``plan`` from its (summed) counts."""
    names = [name for name, _q, _f in _counts(plan)]
    values = dict(zip(names, counts, strict=True)) if counts else dict.fromkeys(names, 0)
    figures = PartFigures(
        part_id=plan.part_id,
        units=values["units"],
        on_hold=values["on_hold"],
        finished=values.get("finished", 0),
        finished_today=values.get("finished_today", 0),
    )
    for stage in plan.stages:
        tested = values.get(f"tested:{stage.key}", 0)
        figures.stages.append(
            StageFigures(
                key=stage.key,
                label=stage.label,
                optional=stage.optional,
                pass_fail=stage.pass_fail,
                done=values[f"done:{stage.key}"],
                waiting=values[f"waiting:{stage.key}"],
                failed=values.get(f"failed:{stage.key}", 0),
                tested=tested,
                first_pass=tested - values.get(f"tested_failed:{stage.key}", 0),
            )
        )
    for stage, following in zip(plan.stages, plan.stages[1:], strict=False):
        figures.gaps.append(Gap(stage.label, following.label, values[f"gap:{stage.key}"]))
    return figures


def figures_for_plans(plans, *, today_start):
    """The figures of each part plan, counted afresh: {part_id: PartFigures}."""
    plans = list(plans)
    counted = count_blocks([(plan, None) for plan in plans], today_start=today_start)
    return {
        plan.part_id: figures_from_counts(
            plan, summed(list(counted.get(plan.part_id, {}).values())), today_start=today_start
        )
        for plan in plans
    }
