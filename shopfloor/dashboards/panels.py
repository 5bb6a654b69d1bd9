"""What each dashboard panel draws: a part's figures and readings turned into charts."""

import hashlib

from django.core.cache import caches
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from shopfloor.dashboards.charts import (
    BarRow,
    Segment,
    Series,
    bar_chart,
    funnel_chart,
    line_chart,
    number,
    percent,
)
from shopfloor.dashboards.stage_states import FAILED, STATES, WAITING

CARD_KEPT_FOR = 10 * 60


def stage_queue_chart(figures, *, title):
    """Per stage, the units waiting there and those failed there awaiting rework."""
    rows = [
        BarRow(
            stage.label,
            (
                Segment(str(STATES[WAITING]), stage.waiting, "waiting"),
                *(
                    (Segment(str(STATES[FAILED]), stage.failed, "failed"),)
                    if stage.pass_fail
                    else ()
                ),
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
            (Segment(_("first-pass yield"), stage.first_pass_yield or 0, "done"),),
            note=_("%(share)s of %(tested)s")
            % {"share": percent(stage.first_pass_yield), "tested": number(stage.tested)},
        )
        for stage in figures.stages
        if stage.pass_fail
    ]
    return bar_chart(
        title=title,
        rows=rows,
        scale_max=100,
        value_format=percent,
        empty=_("No pass/fail stage."),
    )


def funnel(figures, *, title):
    steps = [(_("Registered"), figures.units)]
    steps += [(stage.label, stage.done) for stage in figures.stages]
    return funnel_chart(title=title, steps=steps)


def throughput_chart(plan, starts, series, window, *, title):
    fmt = "%H:%M" if window.hourly else "%m-%d"
    labels = [timezone.localtime(start).strftime(fmt) for start in starts]
    lines = [Series(stage.label, tuple(series[stage.key])) for stage in plan.stages]
    return line_chart(title=title, x_labels=labels, series=lines)


def defects_chart(defects, *, title):
    rows = [BarRow(label, (Segment(_("fails"), count, "failed"),)) for label, count in defects]
    return bar_chart(title=title, rows=rows, empty=_("No fails in this period."))


def pareto_chart(defects, *, title):
    """Fails per defect reason, most frequent first, each with the cumulative share of all
    fails it brings the count to: the few reasons worth fixing first stand out."""
    rows = [
        BarRow(
            entry.label,
            (Segment(_("fails"), entry.count, "failed"),),
            note=f"{number(entry.count)} (Σ {percent(entry.cumulative_share * 100, 0)})",
        )
        for entry in defects
    ]
    return bar_chart(title=title, rows=rows, empty=_("No fails in this period."))


def overview_cards(entries):
    """Give each part of the overview its drawn figures (KPIs, stage flow, charts) and its
    stage table. A part whose figures did not change since it was last drawn is served from
    the cache: a refresh redraws only the parts that moved. A card is drawn in the reader's
    language, so the language is part of what it was drawn from."""
    cache = caches["dashboards"]
    keys = {}
    language = get_language()
    for entry in entries:
        drawn = repr((language, entry.part.part_no, entry.part.model_no, entry.figures))
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
                    entry.figures, title=_("Waiting and failed, %(part)s") % {"part": part_no}
                ),
                "yield_chart": yield_chart(
                    entry.figures, title=_("First-pass yield, %(part)s") % {"part": part_no}
                ),
            }
            new[key] = stored[key] = (
                render_to_string("dashboards/_part_live.html", context),
                render_to_string("dashboards/_stage_table.html", context),
            )
        entry.live_html, entry.table_html = (mark_safe(html) for html in stored[key])
    cache.set_many(new, CARD_KEPT_FOR)
    return entries
