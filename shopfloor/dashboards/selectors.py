"""Reads of the dashboards: the line's figures, a part's charts and units, a unit's story.

Every figure is counted by the database (conditional aggregation, GROUP BY hour); no page
loads units or events to count them in Python, and the number of queries a page runs does
not depend on how many parts, stations or units it shows.
"""

import datetime
import zlib
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from parts.models import ModelPart
from shopfloor.dashboards import stage_states, windows
from shopfloor.dashboards.figure_cache import figures_current
from shopfloor.dashboards.figures import figures_from_counts
from shopfloor.labels.selectors import unit_label_events
from shopfloor.scanning.plans import plan_of_part
from shopfloor.scanning.selectors import unit_events, unit_find, unit_stage_states
from shopfloor.scanning.stage_data import is_outside, json_value
from shopfloor.stations.models import ScanEvent, Station

UNIT_PAGE_SIZE = 50
TOP_DEFECTS = 8
NO_DEFECT = gettext_lazy("No reason given")


def dashboard_parts():
    """Active parts that have a procedure, with the procedure loaded, in list order."""
    return list(
        ModelPart.objects.active().filter(procedure__isnull=False).select_related("procedure")
    )


def part_plans(parts):
    """The current plan of each part (cached per procedure version; no query when cached)."""
    return [plan for plan in (plan_of_part(part) for part in parts) if plan is not None]


def latest_event_id():
    """The id of the newest scan event (0 before the first): one look at the primary key."""
    return ScanEvent.objects.aggregate(latest=Max("id"))["latest"] or 0


@dataclass
class StationActivity:
    station: Station
    last_event: ScanEvent | None
    scans_last_hour: int
    fails_last_hour: int


def station_activity(*, now=None):
    """Each active station with its latest event and its scans and fails of the last hour.

    Two queries whatever the number of stations: one with the counts and the latest event's
    id per station (each read from the station's index), one for those events.
    """
    now = now or timezone.now()
    hour_ago = now - timezone.timedelta(hours=1)
    events = ScanEvent.objects.filter(station=OuterRef("pk")).order_by()

    def counted(queryset):
        return Subquery(queryset.values("station").annotate(count=Count("id")).values("count")[:1])

    stations = list(
        Station.objects.filter(is_active=True)
        .annotate(
            last_event_id=Subquery(events.order_by("-created_at", "-id").values("id")[:1]),
            scans_last_hour=counted(events.filter(created_at__gte=hour_ago)),
            fails_last_hour=counted(events.filter(created_at__gte=hour_ago, result="fail")),
        )
        .order_by("line", "name")
    )
    ids = [station.last_event_id for station in stations if station.last_event_id]
    latest = ScanEvent.objects.filter(id__in=ids).select_related("part", "user", "token", "defect")
    latest = {event.id: event for event in latest}
    return [
        StationActivity(
            station=station,
            last_event=latest.get(station.last_event_id),
            scans_last_hour=station.scans_last_hour or 0,
            fails_last_hour=station.fails_last_hour or 0,
        )
        for station in stations
    ]


@dataclass
class PartOverview:
    part: ModelPart
    plan: object
    figures: object
    live_html: str = ""
    table_html: str = ""


def line_version(*, now=None):
    """A short text that changes whenever what the overview shows may have changed: the newest
    scan event, the active parts and their procedures, and the minute (for "today" and "the
    last hour"). Two small queries, so a refresh with nothing new costs next to nothing."""
    latest = latest_event_id()
    parts = ModelPart.objects.active().filter(procedure__isnull=False).order_by("pk")
    signature = ".".join(
        f"{pk}v{version}" for pk, version in parts.values_list("pk", "procedure__version")
    )
    minute = timezone.localtime(now).strftime("%Y%m%d%H%M")
    return f"{latest}-{minute}-{zlib.crc32(signature.encode()):08x}"


def line_overview(*, now=None):
    """Every active part with a procedure and its figures, in a constant number of queries."""
    parts = dashboard_parts()
    plans = {plan.part_id: plan for plan in part_plans(parts)}
    figures = figures_current(plans.values(), today_start=windows.today_start(now))
    # A part left out of the figures is being recounted: its card says so (figures None).
    return [
        PartOverview(part=part, plan=plans[part.pk], figures=figures.get(part.pk))
        for part in parts
        if part.pk in plans
    ]


def part_figures(*, plan, now=None):
    """The figures of one part (see ``figure_cache``); None while a job recounts it."""
    return figures_current([plan], today_start=windows.today_start(now)).get(plan.part_id)


def no_figures(plan):
    """Figures of nothing counted yet (the part's stages, every count 0): what the charts
    draw from while a part is recounted; the page says so instead of showing counts."""
    return figures_from_counts(plan, (), today_start=windows.today_start())


def _stage_keys(plan):
    return [stage.key for stage in plan.stages]


def _scans_in(plan, window, result):
    # Naming the part's stages lets the scan log's (part, stage, created_at) index serve the
    # period for each stage, instead of walking every event of the part.
    return ScanEvent.objects.filter(
        part_id=plan.part_id,
        stage__in=_stage_keys(plan),
        created_at__gte=window.start,
        created_at__lt=window.end,
        action=ScanEvent.Action.SCAN,
        result=result,
    )


def part_throughput(*, plan, window, now=None):
    """Units passing each stage per hour (or day) of ``window``: (bucket starts, {key: counts}).

    Counted by the database, grouped by stage and truncated hour (or day) in local time.
    """
    starts = windows.buckets(window, now)
    truncate = TruncHour if window.hourly else TruncDate
    rows = (
        _scans_in(plan, window, ScanEvent.Result.PASS)
        .annotate(bucket=truncate("created_at"))
        .values("bucket", "stage")
        .annotate(count=Count("id"))
        .order_by()
    )
    index = {_bucket_key(start, window.hourly): position for position, start in enumerate(starts)}
    series = {key: [0] * len(starts) for key in _stage_keys(plan)}
    for row in rows:
        position = index.get(_bucket_key(row["bucket"], window.hourly))
        if position is not None:
            series[row["stage"]][position] = row["count"]
    return starts, series


def _bucket_key(moment, hourly):
    """The hour (or day) a bucket start or a truncated database value stands for."""
    if hourly:
        return timezone.localtime(moment).strftime("%Y-%m-%d %H")
    if isinstance(moment, datetime.datetime):
        return timezone.localtime(moment).date()
    return moment  # TruncDate gives the local day already


def part_defects(*, plan, window):
    """Fails in ``window`` per defect reason, most frequent first: [(label, count)]."""
    rows = (
        _scans_in(plan, window, ScanEvent.Result.FAIL)
        .values("defect__label")
        .annotate(count=Count("id"))
        .order_by("-count", "defect__label")
    )
    counted = [(row["defect__label"] or str(NO_DEFECT), row["count"]) for row in rows]
    if len(counted) > TOP_DEFECTS:
        rest = sum(count for _label, count in counted[TOP_DEFECTS - 1 :])
        counted = [*counted[: TOP_DEFECTS - 1], (_("Other reasons"), rest)]
    return counted


def unit_filter(*, plan, stage_key="", state="", held=False, search=""):
    """The Q selecting the units a list shows; raises ValueError on an unknown stage/state."""
    condition = Q()
    if search:
        condition &= Q(usid=search) | Q(tag_no=search)
    if held:
        condition &= Q(on_hold=True)
    if stage_key or state:
        stage = plan.stage(stage_key)
        if stage is None:
            raise ValueError(f"Part {plan.part_no} has no stage {stage_key!r}.")
        if state not in stage_states.STATES:
            raise ValueError(f"{state!r} is not a stage state.")
        state_condition = stage_states.state_q(plan, stage, state)
        if state_condition is None:
            return None
        condition &= state_condition
    return condition


def unit_page(*, plan, condition, before=None, size=UNIT_PAGE_SIZE):
    """Newest units first matching ``condition``, ``size`` at most, older than id ``before``.

    Keyset pagination on the primary key: the page costs the same at the millionth unit as
    at the first. Returns (rows with their stage states, id to continue from or None).
    """
    if condition is None:
        return [], None
    units = plan.unit_model.objects.filter(condition)
    if before:
        units = units.filter(id__lt=before)
    columns = ["id", "usid", "tag_no", "on_hold", "created_at"]
    for stage in plan.stages:
        columns.extend(stage.columns)
    rows = list(units.order_by("-id").values(*columns)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    overridden = units_overridden(part_id=plan.part_id, usids=[row["usid"] for row in rows])
    for row in rows:
        row["states"] = [(stage, stage_states.row_state(plan, stage, row)) for stage in plan.stages]
        row["overridden"] = overridden.get(row["usid"], set())
    return rows, (rows[-1]["id"] if more else None)


@dataclass
class TimelineEntry:
    event: ScanEvent
    kind: str
    label: str
    who: str
    where: str
    stage_label: str = ""
    values: tuple = ()  # (field label, what was recorded) for each value the event carries


KIND_LABELS = {
    "pass": pgettext_lazy("unit event", "Passed"),
    "done": pgettext_lazy("unit event", "Done"),
    "fail": pgettext_lazy("unit event", "Failed"),
    "rework": gettext_lazy("Passed after rework"),
    "mark_done": gettext_lazy("Override: marked done"),
    "mark_fail": gettext_lazy("Override: marked failed"),
    "undo": gettext_lazy("Override: undone"),
    "hold": gettext_lazy("Held"),
    "release": gettext_lazy("Released"),
    "edit": gettext_lazy("Value changed"),
    "repair": gettext_lazy("Component replaced (repair)"),
}


def _who(event):
    if event.user is not None:
        return event.user.get_full_name() or event.user.email
    if event.token is not None:
        return _("API token %(name)s") % {"name": event.token.name}
    return "—"


def _where(event):
    if event.station is not None:
        return f"{event.station.name} ({event.station.line})"
    return event.get_source_display()


def unit_timeline(*, usid, plan):
    """Every event of the unit, oldest first, each named: passed, failed, passed after rework
    (a pass at a stage it had failed), overrides, holds and releases, with who and where."""
    entries = []
    failed_at = set()
    pass_fail = {stage.key for stage in plan.stages if stage.pass_fail} if plan else set()
    for event in unit_events(usid=usid):
        if event.action == ScanEvent.Action.SCAN:
            if event.result == ScanEvent.Result.FAIL:
                kind = "fail"
                failed_at.add(event.stage)
            elif event.stage in failed_at:
                kind = "rework"
                failed_at.discard(event.stage)
            else:
                kind = "pass" if event.stage in pass_fail else "done"
        else:
            kind = event.action
            if kind == ScanEvent.Action.MARK_FAIL:
                failed_at.add(event.stage)
        stage = plan.stage(event.stage) if plan and event.stage else None
        entries.append(
            TimelineEntry(
                event=event,
                kind=kind,
                label=KIND_LABELS[kind],
                who=_who(event),
                where=_where(event),
                stage_label=stage.label if stage else event.stage,
                values=_event_values(plan, event),
            )
        )
    return entries


def _value_text(entry, value):
    if value is None:
        return _("(empty)")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return f"{value} {entry.unit}".strip() if entry is not None else str(value)


def _event_values(plan, event):
    """The values ``event`` recorded, as (field label, text) pairs: a scan's values, or a
    change's old and new value."""
    if not event.data or plan is None:
        return ()
    entries = {entry.key: entry for entry in plan.fields}
    shown = []
    for key, value in event.data.items():
        entry = entries.get(key)
        label = entry.label if entry is not None else key
        if event.action == ScanEvent.Action.EDIT and isinstance(value, dict):
            text = (
                f"{_value_text(entry, value.get('old'))} → {_value_text(entry, value.get('new'))}"
            )
        else:
            text = _value_text(entry, value)
        shown.append((label, text))
    return tuple(shown)


def unit_values(*, plan, row, timeline):
    """Each field of the unit with its value and the event that recorded it last (who, when,
    where), in procedure order."""
    last = {}
    for entry in timeline:
        for key in entry.event.data or {}:
            last[key] = entry
    values = []
    for field in plan.fields:
        recorded = last.get(field.key)
        value = json_value(field, row.get(field.column))
        values.append(
            {
                "key": field.key,
                "label": field.label,
                "stage": plan.stage(field.stage).label if plan.stage(field.stage) else "",
                "value": value,
                "text": "" if value is None else _value_text(field, value),
                "outside": field.type == "measurement"
                and value is not None
                and is_outside(field, value),
                "by": recorded.who if recorded else "",
                "at": recorded.event.created_at if recorded else None,
                "where": recorded.where if recorded else "",
                "editable": not field.stage,
                "field": field,
            }
        )
    return values


def unit_story(*, usid):
    """A unit's part, stage states (with who did each) and timeline; None when unknown."""
    found = unit_find(usid=usid)
    if found is None or found[2] is None:
        return None
    registration, plan, row = found
    stages = unit_stage_states(plan=plan, row=row)
    user_ids = {stage["by_id"] for stage in stages if stage["by_id"]}
    users = get_user_model().objects.in_bulk(user_ids) if user_ids else {}
    timeline = unit_timeline(usid=registration.usid, plan=plan)
    overridden = _stages_set_by_override(entry.event for entry in timeline)
    for stage, stage_plan in zip(stages, plan.stages, strict=True):
        user = users.get(stage["by_id"])
        stage["by"] = (user.get_full_name() or user.email) if user else ""
        stage["state"] = stage_states.row_state(plan, stage_plan, row)
        stage["override"] = stage["key"] in overridden
    return {
        "registration": registration,
        "part": registration.part,
        "plan": plan,
        "row": row,
        "stages": stages,
        "values": unit_values(plan=plan, row=row, timeline=timeline),
        "timeline": sorted(
            timeline + label_timeline(usid=registration.usid),
            key=lambda entry: entry.event.created_at,
        ),
    }


OVERRIDE_ACTIONS = (ScanEvent.Action.MARK_DONE, ScanEvent.Action.MARK_FAIL)


def _stages_set_by_override(events):
    """The stage keys whose state was last set by a supervisor's override, not by a scan,
    of ``events`` (oldest first); an undo clears the stage."""
    overridden = set()
    for event in events:
        if not event.stage:
            continue
        if event.action in OVERRIDE_ACTIONS:
            overridden.add(event.stage)
        else:
            overridden.discard(event.stage)
    return overridden


def units_overridden(*, part_id, usids):
    """{usid: stage keys set by an override} of the listed units, in one query."""
    events = (
        ScanEvent.objects.filter(part_id=part_id, usid__in=list(usids))
        .exclude(stage="")
        .exclude(action__in=[ScanEvent.Action.HOLD, ScanEvent.Action.RELEASE])
        .order_by("created_at", "id")
        .only("usid", "stage", "action")
    )
    by_unit = {}
    for event in events:
        by_unit.setdefault(event.usid, []).append(event)
    return {usid: _stages_set_by_override(found) for usid, found in by_unit.items()}


def part_overrides(*, plan, window, limit=20):
    """The supervisor's overrides of the part's stages in ``window``, newest first, at most
    ``limit``, and how many there were: (events, count)."""
    events = ScanEvent.objects.filter(
        part_id=plan.part_id,
        stage__in=_stage_keys(plan),
        created_at__gte=window.start,
        created_at__lt=window.end,
        source=ScanEvent.Source.OVERRIDE,
        action__in=[*OVERRIDE_ACTIONS, ScanEvent.Action.UNDO],
    )
    listed = list(events.select_related("user", "defect").order_by("-created_at", "-id")[:limit])
    labels = {stage.key: stage.label for stage in plan.stages}
    for event in listed:
        event.stage_label = labels.get(event.stage, event.stage)
        event.who_name = _who(event)
    return listed, events.count()


def label_timeline(*, usid):
    """The unit's label events (printed, reprinted, not printed, voided) as timeline entries."""
    entries = []
    for event in unit_label_events(usid=usid):
        where = event.where
        if event.station:
            where = _("%(where)s at %(station)s") % {"where": where, "station": event.station.name}
        if event.error:
            where = f"{where}: {event.error}"
        who = (event.user.get_full_name() or event.user.email) if event.user else "Shopfloor"
        entries.append(
            TimelineEntry(
                event=event,
                kind=f"label-{event.action}",
                label=event.get_action_display(),
                who=who,
                where=where or "—",
            )
        )
    return entries


@dataclass
class DefectCount:
    label: str
    category: str
    count: int
    cumulative_share: float  # of all fails counted, this and every more frequent reason


@dataclass
class PartDefects:
    part_id: int
    part_no: str
    fails: int
    top: str  # the most frequent reason


def defect_pareto(*, window, part_id=None):
    """Fails in ``window`` (of one part, or of every part) by defect reason, most frequent
    first with their cumulative share, and each part's fails with its most frequent reason:
    (reasons, parts). Failed scans and overrides marked failed are counted; one query,
    grouped by the database, read from the scan log's index by time."""
    events = ScanEvent.objects.filter(
        created_at__gte=window.start,
        created_at__lt=window.end,
        result=ScanEvent.Result.FAIL,
        action__in=[ScanEvent.Action.SCAN, ScanEvent.Action.MARK_FAIL],
    )
    if part_id is not None:
        events = events.filter(part_id=part_id)
    rows = (
        events.values("part_id", "part__part_no", "defect__label", "defect__category")
        .annotate(count=Count("id"))
        .order_by()
    )
    reasons, parts = {}, {}
    for row in rows:
        label = row["defect__label"] or str(NO_DEFECT)
        key = (label, row["defect__category"] or "")
        reasons[key] = reasons.get(key, 0) + row["count"]
        part = parts.setdefault(row["part_id"], [row["part__part_no"], {}])
        part[1][label] = part[1].get(label, 0) + row["count"]
    total = sum(reasons.values())
    counted, running = [], 0
    for (label, category), count in sorted(reasons.items(), key=lambda item: (-item[1], item[0])):
        running += count
        counted.append(DefectCount(label, category, count, running / total))
    per_part = [
        PartDefects(
            part_id=pk,
            part_no=part_no,
            fails=sum(by_label.values()),
            top=min(by_label.items(), key=lambda item: (-item[1], item[0]))[0],
        )
        for pk, (part_no, by_label) in parts.items()
    ]
    per_part.sort(key=lambda entry: (-entry.fails, entry.part_no))
    return counted, per_part
