"""What each dashboard panel draws: a part's figures and readings turned into charts."""

from django.utils import timezone

from shopfloor.dashboards.charts import (
    BarRow,
    Segment,
    Series,
    bar_chart,
    funnel_chart,
    line_chart,
    percent,
)


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


def overview_charts(entries):
    """Give each part of the overview its queue and yield charts."""
    for entry in entries:
        part_no = entry.part.part_no
        entry.queue_chart = stage_queue_chart(entry.figures, title=f"Waiting and failed, {part_no}")
        entry.yield_chart = yield_chart(entry.figures, title=f"First-pass yield, {part_no}")
    return entries
