"""What each dashboard panel draws: a part's figures and readings turned into charts."""

import hashlib

from django.core.cache import caches
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from shopfloor.dashboards.charts import (
    BarRow,
    Segment,
    Series,
    bar_chart,
    funnel_chart,
    line_chart,
    percent,
)

CARD_KEPT_FOR = 10 * 60


def stage_queue_chart(figures, *, title):
    """Per stage, the units waiting there and those failed there awaiting rework."""
    rows = [
        BarRow(
            stage.label,
            (
                Segment("waiting", stage.waiting, "waiting"),
                *((Segment("failed", stage.failed, "failed"),) if stage.pass_fail else ()),
            ),
        )
        for stage in figures.stages
    ]
    return bar_chart(title=title, rows=rows)


def yield_chart(figures, *, title):
    """First-pass yield of each pass/fail stage, as a share of the units tested there."""
    rows = [
        BarRow(
            stage.label,
            (Segment("first-pass yield", stage.first_pass_yield or 0, "done"),),
            note=f"{percent(stage.first_pass_yield)} of {stage.tested:,}",
        )
        for stage in figures.stages
        if stage.pass_fail
    ]
    return bar_chart(
        title=title, rows=rows, scale_max=100, value_format=percent, empty="No pass/fail stage."
    )


def funnel(figures, *, title):
    steps = [("Registered", figures.units)]
    steps += [(stage.label, stage.done) for stage in figures.stages]
    return funnel_chart(title=title, steps=steps)


def throughput_chart(plan, starts, series, window, *, title):
    fmt = "%H:%M" if window.hourly else "%m-%d"
    labels = [timezone.localtime(start).strftime(fmt) for start in starts]
    lines = [Series(stage.label, tuple(series[stage.key])) for stage in plan.stages]
    return line_chart(title=title, x_labels=labels, series=lines)


def defects_chart(defects, *, title):
    rows = [BarRow(label, (Segment("fails", count, "failed"),)) for label, count in defects]
    return bar_chart(title=title, rows=rows, empty="No fails in this period.")


def pareto_chart(defects, *, title):
    """Fails per defect reason, most frequent first, each with the cumulative share of all
    fails it brings the count to: the few reasons worth fixing first stand out."""
    rows = [
        BarRow(
            entry.label,
            (Segment("fails", entry.count, "failed"),),
            note=f"{entry.count:,} (Σ {entry.cumulative_share * 100:.0f} %)",
        )
        for entry in defects
    ]
    return bar_chart(title=title, rows=rows, empty="No fails in this period.")


def overview_cards(entries):
    """Give each part of the overview its drawn figures (KPIs, stage flow, charts) and its
    stage table. A part whose figures did not change since it was last drawn is served from
    the cache: a refresh redraws only the parts that moved."""
    cache = caches["dashboards"]
    keys = {}
    for entry in entries:
        drawn = repr((entry.part.part_no, entry.part.model_no, entry.figures))
        keys[entry.part.pk] = "dashboards:card:" + hashlib.sha1(drawn.encode()).hexdigest()
    stored = cache.get_many(list(keys.values()))
    new = {}
    for entry in entries:
        if entry.figures is None:
            entry.live_html = render_to_string("dashboards/_recounting.html")
            continue
        key = keys[entry.part.pk]
        if key not in stored:
            part_no = entry.part.part_no
            context = {
                "figures": entry.figures,
                "queue_chart": stage_queue_chart(
                    entry.figures, title=f"Waiting and failed, {part_no}"
                ),
                "yield_chart": yield_chart(entry.figures, title=f"First-pass yield, {part_no}"),
            }
            new[key] = stored[key] = (
                render_to_string("dashboards/_part_live.html", context),
                render_to_string("dashboards/_stage_table.html", context),
            )
        entry.live_html, entry.table_html = (mark_safe(html) for html in stored[key])
    cache.set_many(new, CARD_KEPT_FOR)
    return entries
