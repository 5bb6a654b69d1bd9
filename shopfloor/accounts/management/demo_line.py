"""A few days of a believable line for the demo: units of each demo part going through their
stages with passes, fails, rework, holds and releases, written straight into the unit tables,
the USID index and the scan log (as the scans would have written them), fast enough for
``make run`` on a fresh database."""

import datetime
import random
from contextlib import contextmanager
from dataclasses import dataclass

from django.utils import timezone

from shopfloor.dashboards.models import PartCounts
from shopfloor.scanning.plans import plan_of_part
from shopfloor.stations.models import DefectReason, ScanEvent, UnitRegistration, usid_key

DAYS = 4
BATCH = 1000

HOLD_REASONS = [
    "Customer query on this batch: keep until quality signs it off.",
    "Suspected wrong reel loaded on the pick-and-place: check before dispatch.",
    "Moisture-sensitive parts out of the dry cabinet too long.",
]
RELEASE_REASONS = [
    "Checked by quality: fine to continue.",
    "Reel verified against the BOM: correct part.",
]


@dataclass(frozen=True)
class DemoRun:
    """How the units of one part go: how many start, their USIDs, and per pass/fail stage the
    chance of a fail and the defects it is put down to."""

    prefix: str
    units: int
    fail_rates: dict
    defects: dict
    firmware: str = ""


@dataclass
class Unit:
    usid: str
    started: datetime.datetime
    row: dict
    events: list


def units_load(part, run, *, stations, operator, supervisor, seed):
    """Write ``run.units`` units of ``part`` spread over the last few days; returns how many
    were written (none when the part has units already: loading again adds nothing)."""
    if UnitRegistration.objects.filter(part=part).exists():
        return 0
    plan = plan_of_part(part)
    defects = {reason.code: reason for reason in DefectReason.objects.all()}
    rng = random.Random(seed)
    now = timezone.now().replace(microsecond=0)
    first = now - datetime.timedelta(days=DAYS)
    span = (now - first).total_seconds()
    units = []
    for number in range(1, run.units + 1):
        # Starts spread evenly over the days, a little jitter, so the per-hour chart is a line.
        started = first + datetime.timedelta(
            seconds=span * (number - 1) / run.units + rng.uniform(0, 90)
        )
        units.append(
            _unit_walk(
                f"{run.prefix}-{number:06d}",
                started,
                plan=plan,
                run=run,
                rng=rng,
                now=now,
                stations=stations,
                operator=operator,
                supervisor=supervisor,
                defects=defects,
            )
        )
    model = plan.unit_model
    for start in range(0, len(units), BATCH):
        chunk = units[start : start + BATCH]
        UnitRegistration.objects.bulk_create(
            UnitRegistration(
                usid=unit.usid, usid_key=usid_key(unit.usid), part=part, created_at=unit.started
            )
            for unit in chunk
        )
        with times_as_given(model):
            model.objects.bulk_create(model(**unit.row) for unit in chunk)
        ScanEvent.objects.bulk_create(
            ScanEvent(part=part, usid=unit.usid, **event) for unit in chunk for event in unit.events
        )
    # Counts kept from before the units existed would miss them (their events are in the
    # past): the dashboards count the part afresh on their next page.
    PartCounts.objects.filter(part=part).delete()
    return len(units)


@contextmanager
def times_as_given(model):
    """Let the unit table keep the times given instead of stamping the time of the insert, so
    each demo unit is registered and last changed days back (an UPDATE afterwards would cost a
    second write of every row)."""
    fields = [model._meta.get_field(name) for name in ("created_at", "updated_at")]
    stamps = [(field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, (auto_now, auto_now_add) in zip(fields, stamps, strict=True):
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def _unit_walk(usid, started, *, plan, run, rng, now, stations, operator, supervisor, defects):
    row = {"usid": usid, "tag_no": "", "on_hold": False, "created_at": started}
    events = []
    at = started
    held = None
    for stage in plan.stages:
        if at > now:
            break
        station = stations[stage.key]
        if stage.optional and rng.random() < 0.3:
            continue
        result = "pass"
        if stage.pass_fail and rng.random() < run.fail_rates.get(stage.key, 0):
            result = "fail"
        events.append(_scan(at, stage.key, result, station, operator, run, rng, defects))
        row[stage.at], row[stage.by] = at, operator.pk
        if stage.pass_fail:
            row[stage.result] = result
        if result == "fail":
            rework_at = at + datetime.timedelta(minutes=rng.uniform(40, 300))
            if rework_at > now or rng.random() < 0.15:
                # Still waiting for rework (or scrapped): held until it passes.
                row[stage.flag], row["on_hold"] = False, True
                break
            at = rework_at
            events.append(_scan(at, stage.key, "pass", station, operator, run, rng, defects))
            row[stage.at], row[stage.result] = at, "pass"
        row[stage.flag] = True
        if stage.key == plan.stages[0].key and held is None and rng.random() < 0.012:
            held = at + datetime.timedelta(minutes=rng.uniform(2, 20))
            if held < now:
                events.append(_supervisor(held, "hold", rng.choice(HOLD_REASONS), supervisor))
                released = held + datetime.timedelta(hours=rng.uniform(1, 10))
                if released > now or rng.random() < 0.4:
                    row["on_hold"] = True
                    break
                events.append(
                    _supervisor(released, "release", rng.choice(RELEASE_REASONS), supervisor)
                )
                at = released
        at += datetime.timedelta(minutes=rng.uniform(15, 180))
    if run.firmware and row.get("is_testing"):
        row["f_firmware_version"] = run.firmware
    row["updated_at"] = max([started] + [event["created_at"] for event in events])
    return Unit(usid=usid, started=started, row=row, events=events)


def _scan(at, stage, result, station, operator, run, rng, defects):
    defect = None
    if result == "fail":
        codes, weights = zip(*run.defects[stage].items(), strict=True)
        defect = defects[rng.choices(codes, weights)[0]]
    return {
        "created_at": at,
        "stage": stage,
        "action": ScanEvent.Action.SCAN,
        "result": result,
        "defect": defect,
        "source": ScanEvent.Source.SCREEN,
        "station": station,
        "user": operator,
    }


def _supervisor(at, action, reason, supervisor):
    return {
        "created_at": at,
        "action": action,
        "source": ScanEvent.Source.OVERRIDE,
        "user": supervisor,
        "reason": reason,
    }
