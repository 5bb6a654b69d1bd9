"""What a line's scans must have done: a reference model of the scan rules, and a ledger of the
units a load run has scanned, to check the database against, row by row and event by event.

The ledger hands units out to simulated stations by what a scan of them must answer (a next
stage, a duplicate, an out-of-order scan, a unit on hold, ...). A unit handed out is busy until
its answer is settled, so the expected answer of every scan is known when it is sent: only a
race (two stations sending the same unit at once) may land either way round, and then exactly
one of the two may record it.
"""

import threading
from dataclasses import dataclass, field

from django.db import connection

from shopfloor.stations.models import ScanEvent, UnitRegistration

# The procedure every part of a load run follows (stage key, result, optional).
STAGES = (
    ("smd", "pass_fail", False),
    ("leaded", "done", True),
    ("qc", "pass_fail", False),
    ("testing", "done", False),
    ("dispatch", "done", False),
)
STAGE_KEYS = tuple(key for key, _result, _optional in STAGES)
PASS_FAIL = frozenset(key for key, result, _optional in STAGES if result == "pass_fail")
DEFECT = "solder_bridge"
CATEGORIES = ("ready", "done", "early", "failed", "held")


def procedure_config(*, relabel="", extra_stage=False, extra_field=False):
    """The load run's procedure; the variants change labels, add an optional stage no station
    scans, or an extra field, and never the rules of the scanned stages."""
    stages = []
    for key, result, optional in STAGES:
        stages.append(
            {
                "key": key,
                "label": f"{key.upper()}{relabel}",
                "optional": optional,
                "result": result,
                "instructions": f"Check {key}{relabel}.",
            }
        )
        if key == "qc" and extra_stage:
            stages.append({"key": "cleaning", "label": "Cleaning", "optional": True})
    fields = []
    if extra_field:
        fields.append(
            {"key": "firmware_version", "label": "Firmware", "type": "text", "stage": "testing"}
        )
    return {"version": 1, "stages": stages, "fields": fields}


def missing_before(results, stage):
    missing = []
    for key, _result, optional in STAGES:
        if key == stage:
            return missing
        if not optional and results.get(key) != "pass":
            missing.append(key)
    raise ValueError(stage)


def expected_answer(results, stage, result, names_part=True):
    """(status, error code or None) the scan API must give for ``stage``/``result`` of a unit
    whose recorded results are ``results`` (None: the unit is not registered; its first scan
    registers it at the first stage when it ``names_part``)."""
    if results is None:
        registers = stage == STAGES[0][0] and names_part
        return (201, None) if registers else (404, "unknown_unit")
    failed = [key for key in PASS_FAIL if results.get(key) == "fail"]
    if failed and stage not in failed:
        return 409, "on_hold"
    recorded = results.get(stage)
    if recorded == result:
        return 200, None
    if recorded == "pass":
        return 409, "result_conflict"
    if missing_before(results, stage):
        return 409, "stage_order"
    return 201, None


@dataclass
class Unit:
    usid: str
    part_no: str
    results: dict = field(default_factory=dict)
    busy: bool = False

    @property
    def held(self):
        return any(self.results.get(key) == "fail" for key in PASS_FAIL)


class _Pool:
    """A set with O(1) add, remove and random choice."""

    def __init__(self):
        self.items, self.index = [], {}

    def add(self, item):
        if item not in self.index:
            self.index[item] = len(self.items)
            self.items.append(item)

    def discard(self, item):
        position = self.index.pop(item, None)
        if position is None:
            return
        last = self.items.pop()
        if position < len(self.items):
            self.items[position] = last
            self.index[last] = position

    def choice(self, rng):
        return rng.choice(self.items) if self.items else None


@dataclass(frozen=True)
class Sent:
    """One scan sent and its answer."""

    stage: str
    result: str
    station_id: int
    status: int
    body: object
    names_part: bool = False

    @property
    def code(self):
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return self.body["error"].get("code")
        return None


class Ledger:
    """Units and recorded events of a run; thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.units = {}
        self.events = {}  # event id -> (usid, stage, result, station id, defect code)
        self.pools = {}  # (category, stage) -> _Pool of usids
        self.mismatches = []
        self.counts = {}  # kind -> scans sent

    def _pool(self, category, stage):
        return self.pools.setdefault((category, stage), _Pool())

    def _index(self, unit):
        for stage in STAGE_KEYS:
            for category in CATEGORIES:
                self._pool(category, stage).discard(unit.usid)
            if unit.busy:
                continue
            recorded = unit.results.get(stage)
            if recorded == "fail":
                category = "failed"
            elif unit.held:
                category = "held"
            elif recorded == "pass":
                category = "done"
            elif missing_before(unit.results, stage):
                category = "early"
            else:
                category = "ready"
            self._pool(category, stage).add(unit.usid)

    def take(self, category, stage, rng, accept=None):
        """A unit of ``category`` (one of ``CATEGORIES``) at ``stage``, now busy; or None."""
        with self.lock:
            pool = self._pool(category, stage)
            for _attempt in range(5):
                usid = pool.choice(rng)
                if usid is None:
                    return None
                unit = self.units[usid]
                if accept is None or accept(unit):
                    unit.busy = True
                    self._index(unit)
                    return unit
            return None

    def new_unit(self, usid, part_no):
        """A unit about to get its first scan, busy until it is settled."""
        with self.lock:
            unit = Unit(usid=usid, part_no=part_no, busy=True)
            self.units[usid] = unit
            return unit

    def settle(self, unit, *, kind, scans):
        """Check the answers of ``scans`` (``Sent``, sent at once for ``unit``) against the
        rules, record the events they wrote, and free the unit.

        Identical scans sent at once (a race) must be recorded exactly once: one 201, the
        others 200 "already recorded".
        """
        with self.lock:
            self.counts[kind] = self.counts.get(kind, 0) + len(scans)
            before = dict(unit.results) if unit.results else None
            groups = {}
            for sent in scans:
                groups.setdefault((sent.stage, sent.result, sent.names_part), []).append(sent)
            for (stage, result, names_part), group in groups.items():
                expected = expected_answer(before, stage, result, names_part)
                if expected[0] == 201:
                    wanted = [(200, None)] * (len(group) - 1) + [(201, None)]
                else:
                    wanted = [expected] * len(group)
                got = sorted((sent.status, sent.code) for sent in group)
                if got != sorted(wanted):
                    self.mismatches.append((kind, unit.usid, stage, wanted, group))
                    continue
                for sent in group:
                    if sent.status == 201:
                        unit.results[stage] = result
                        defect = DEFECT if result == "fail" else None
                        event = (unit.usid, stage, result, sent.station_id, defect)
                        self.events[sent.body["event_id"]] = event
            unit.busy = False
            if unit.results:
                self._index(unit)
            else:
                del self.units[unit.usid]

    def failure(self, kind, usid, detail):
        """A scan that got no answer the rules allow (a transport error, a 5xx)."""
        with self.lock:
            self.mismatches.append((kind, usid, "", "an answer", detail))


def database_differences(ledger, parts, limit=20):
    """Every way the database differs from the ledger: registrations, unit rows (flag, result
    and hold of every stage) and scan events. An empty list means it holds exactly them."""
    problems = []
    expected_registrations = {usid: unit.part_no for usid, unit in ledger.units.items()}
    registrations = dict(UnitRegistration.objects.values_list("usid", "part__part_no"))
    for usid in sorted(set(expected_registrations) | set(registrations)):
        if expected_registrations.get(usid) != registrations.get(usid):
            problems.append(
                f"registration {usid}: expected {expected_registrations.get(usid)}, "
                f"found {registrations.get(usid)}"
            )
    rows = {}
    for part in parts:
        columns = ["usid", "on_hold"]
        for key in STAGE_KEYS:
            columns.append(f"is_{key}")
            if key in PASS_FAIL:
                columns.append(f"{key}_result")
        quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
        table = connection.ops.quote_name(part.unit_model()._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {quoted} FROM {table}")
            for row in cursor.fetchall():
                values = dict(zip(columns, row, strict=True))
                rows[values.pop("usid")] = (part.part_no, values)
    for usid in sorted(set(ledger.units) | set(rows)):
        unit = ledger.units.get(usid)
        if unit is None or usid not in rows:
            problems.append(f"unit row {usid}: expected {unit}, found {rows.get(usid)}")
            continue
        part_no, values = rows[usid]
        expected = {"on_hold": unit.held}
        for key in STAGE_KEYS:
            expected[f"is_{key}"] = unit.results.get(key) == "pass"
            if key in PASS_FAIL:
                expected[f"{key}_result"] = unit.results.get(key)
        if part_no != unit.part_no or values != expected:
            problems.append(
                f"unit row {usid}: expected {unit.part_no} {expected}, found {part_no} {values}"
            )
    events = {
        pk: (usid, stage, result, station_id, defect)
        for pk, usid, stage, result, station_id, defect, action in ScanEvent.objects.values_list(
            "pk", "usid", "stage", "result", "station_id", "defect__code", "action"
        )
        if action == ScanEvent.Action.SCAN
    }
    others = ScanEvent.objects.exclude(action=ScanEvent.Action.SCAN).count()
    if others:
        problems.append(f"{others} events that are not scans")
    for pk in sorted(set(ledger.events) | set(events)):
        if ledger.events.get(pk) != events.get(pk):
            problems.append(f"event {pk}: expected {ledger.events.get(pk)}, found {events.get(pk)}")
    if len(problems) > limit:
        problems[limit:] = [f"... {len(problems) - limit} more"]
    return problems


def shuffled_kinds(weights, rng):
    """The kinds of ``weights`` in a random order drawn by weight (each kind once)."""
    kinds = dict(weights)
    order = []
    while kinds:
        kind = rng.choices(list(kinds), weights=list(kinds.values()))[0]
        order.append(kind)
        del kinds[kind]
    return order
