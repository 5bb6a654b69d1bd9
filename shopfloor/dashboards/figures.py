"""The line's figures per part, counted by the database in one statement for any number of parts.

For each part the unit table is read once, counting with conditional aggregation
(``COUNT(*) FILTER (WHERE ...)``): units, held, finished, finished today, and per stage done,
waiting, failed and the first-pass counts, and the work in progress between stages. The states
come from ``stage_states`` (the same Q objects the unit list filters with), compiled to SQL by
Django, so a count and the list it leads to always agree.

First-pass yield needs the units that ever failed a stage, which only the scan log knows (a
unit's row keeps its last result). They are joined in from the log's fails (a partial index
holds them, see migration 0002), so the unit table is still read only once.

All parts' counts come back from one ``UNION ALL`` statement: the overview's queries do not
grow with the number of parts it shows (SQLite caps a compound statement at 500 terms, so it
gets one statement per 200 parts).
"""

import functools
from dataclasses import dataclass, field
from itertools import zip_longest

from django.db import connection
from django.db.models import Q

from shopfloor.dashboards import stage_states
from shopfloor.stations.models import ScanEvent

SQLITE_PARTS_PER_STATEMENT = 200


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


def _counts(plan, today_start):
    """(name, Q or None for every row, needs-fails stage index or None) for one part."""
    counts = [("units", None, None), ("on_hold", Q(on_hold=True), None)]
    if plan.stages:
        finished = stage_states.finished_q(plan)
        last = stage_states.finishing_stages(plan)[-1]
        counts.append(("finished", finished, None))
        today = finished & Q(**{f"{last.at}__gte": today_start})
        counts.append(("finished_today", today, None))
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


def _part_select(plan, counts, width):
    """One part's SELECT: its id, then ``width`` count columns (padded with NULL)."""
    quote = connection.ops.quote_name
    model = plan.unit_model
    table = quote(model._meta.db_table)
    columns = [f"{int(plan.part_id)}"]
    params = []
    for _name, condition, fails_index in counts:
        if condition is None:
            columns.append(_count_sql(None))
            continue
        sql, condition_params = _compile(model, condition)
        if fails_index is not None:
            sql = f"({sql}) AND fails.f_{fails_index} = 1"
        columns.append(_count_sql(sql))
        params.extend(condition_params)
    columns.extend(["NULL"] * (width - len(counts)))
    select = f"SELECT {', '.join(columns)} FROM {table}"
    pass_fail = [(index, stage) for index, stage in enumerate(plan.stages) if stage.pass_fail]
    if pass_fail:
        events = quote(ScanEvent._meta.db_table)
        flags = ", ".join(
            f"MAX(CASE WHEN {quote('stage')} = %s THEN 1 ELSE 0 END) AS f_{index}"
            for index, _stage in pass_fail
        )
        select += (
            f" LEFT JOIN (SELECT {quote('usid')} AS f_usid, {flags} FROM {events}"
            f" WHERE {quote('part_id')} = %s AND {quote('result')} = 'fail'"
            f" AND {quote('action')} = 'scan' GROUP BY {quote('usid')}) fails"
            f" ON fails.f_usid = {table}.{quote('usid')}"
        )
        params += [stage.key for _index, stage in pass_fail] + [plan.part_id]
    return select, params


@functools.lru_cache(maxsize=1024)
def _part_select_cached(plan, today_start, width):
    # Compiling a part's conditions costs milliseconds of Python per part; a plan is immutable
    # (a new procedure version is a new plan), so its statement is built once a day.
    select, params = _part_select(plan, _counts(plan, today_start), width)
    return select, tuple(params)


def _figures_from_row(plan, counts, row):
    values = dict(zip([name for name, _q, _f in counts], row[1:], strict=False))
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
    """The figures of each part plan, as {part_id: PartFigures}; one statement for them all."""
    plans = list(plans)
    if not plans:
        return {}
    per_statement = len(plans)
    if connection.vendor == "sqlite":
        per_statement = SQLITE_PARTS_PER_STATEMENT
    figures = {}
    for start in range(0, len(plans), per_statement):
        chunk = plans[start : start + per_statement]
        counts = {plan.part_id: _counts(plan, today_start) for plan in chunk}
        width = max(len(entry) for entry in counts.values())
        selects, params = [], []
        for plan in chunk:
            select, select_params = _part_select_cached(plan, today_start, width)
            selects.append(select)
            params.extend(select_params)
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(selects), params)
            rows = cursor.fetchall()
        by_part = {plan.part_id: plan for plan in chunk}
        for row in rows:
            plan = by_part[row[0]]
            figures[plan.part_id] = _figures_from_row(plan, counts[plan.part_id], row)
    return figures
