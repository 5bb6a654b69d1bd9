"""Figures kept current by counting again only the units that changed, shared by every process.

Counting a part of a million units reads its whole unit table: about a second on an idle
server, more on a busy one. That is too slow for every supervisor's overview every few
seconds, and too slow for the first request of each new server process. So each part's counts
are kept in the database (``PartCounts``), per block of primary keys (see
``figures.count_blocks``), with the time they were counted: every process of every server reads
and writes the same rows, and they outlive restarts and deploys. On each request the scan log
says which units changed since the part was counted (every scan, override, hold and release
writes an event in the same transaction as the unit row): only their blocks are counted again,
from the current rows, so the figures are always current and a request costs what changed
since the last one, not the size of the part.

- Events are read from a minute before the last count, so one whose transaction committed
  just after that count is not missed.
- Edits made outside the app's services (no event) show when their block is counted again:
  each request also counts again the one block of each part counted longest ago, once it is
  older than ``settings.DASHBOARD_RECOUNT_SECONDS``.
- Counts hold for the stages they were counted for (keys, order, optional, pass or fail). A
  procedure change that alters those queues a recount of the part (``recount_jobs``): the
  engineer's save does not wait for a million units to be counted, and neither does a
  supervisor's page, which shows the part as recounting (left out of the result) until a
  worker has counted it. A change of labels, instructions or unit fields keeps the counts.
- On a new day, "finished today" is 0 in every block no unit changed in since the last count:
  a unit finishes through a scan or an override, which writes an event, so every unit that
  finished since midnight is in a block that is counted again. A new day costs what changed.
- Two requests updating one part at once each write counts that were current when they
  began; the later write wins and both are right.
"""

import datetime
import hashlib
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from shopfloor.dashboards import figures
from shopfloor.dashboards.models import PartCounts
from shopfloor.jobs.models import ACTIVE_STATES, Job, JobKind
from shopfloor.stations.models import ScanEvent

logger = logging.getLogger(__name__)

RECHECK = datetime.timedelta(seconds=60)


def counts_shape(plan):
    """What a part's counts depend on: its stages in order, each optional or not, pass/fail or
    not, and the size of a block. Equal shapes count the same columns the same way."""
    stages = tuple((stage.key, stage.optional, stage.pass_fail) for stage in plan.stages)
    described = repr((stages, figures.UNITS_PER_BLOCK))
    return hashlib.sha256(described.encode()).hexdigest()[:32]


@dataclass
class CountedPart:
    shape: str
    day: datetime.date
    counted_at: datetime.datetime | None = None
    blocks: dict = field(default_factory=dict)  # block: counts
    block_times: dict = field(default_factory=dict)  # block: when it was counted

    def oldest_block(self, older_than):
        """The block counted longest ago, if that was at ``older_than`` or before."""
        if not self.block_times:
            return None
        block = min(self.block_times, key=lambda block: (self.block_times[block], block))
        return block if self.block_times[block] <= older_than else None

    def start_day(self, day, plan):
        """Carry the counts over to ``day``: nothing finished on it yet in any block."""
        position = figures.count_position(plan, "finished_today")
        if position is not None:
            for block, counts in self.blocks.items():
                self.blocks[block] = (*counts[:position], 0, *counts[position + 1 :])
        self.day = day

    def counted(self, fresh, requested, now):
        """Take the counts of the blocks ``requested`` (None: all); a block with no unit left
        in it has no row in ``fresh`` and is forgotten."""
        if requested is None:
            self.blocks, self.block_times = {}, {}
        for block in requested or ():
            self.blocks.pop(block, None)
            self.block_times.pop(block, None)
        self.blocks.update(fresh)
        self.block_times.update(dict.fromkeys(fresh, now))
        self.counted_at = now


def _moment(seconds):
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)


def _stored(plans):
    """{part_id: CountedPart} as kept for ``plans``, in one query."""
    rows = PartCounts.objects.filter(part_id__in=[plan.part_id for plan in plans])
    return {
        row.part_id: CountedPart(
            shape=row.shape,
            day=row.day,
            counted_at=row.counted_at,
            blocks={int(block): tuple(counts) for block, counts in row.blocks.items()},
            block_times={int(block): _moment(at) for block, at in row.block_times.items()},
        )
        for row in rows
    }


def _store(entries):
    """Keep ``entries`` ({part_id: CountedPart}) for every process, in one statement.

    Rows go in part order, so two requests writing the same parts never wait on each other
    in a cycle. The counts can always be counted again: a failed write is logged, not raised.
    """
    rows = [
        PartCounts(
            part_id=part_id,
            shape=entry.shape,
            day=entry.day,
            counted_at=entry.counted_at,
            blocks={str(block): list(counts) for block, counts in entry.blocks.items()},
            block_times={str(block): at.timestamp() for block, at in entry.block_times.items()},
        )
        for part_id, entry in sorted(entries.items())
    ]
    if not rows:
        return
    try:
        with transaction.atomic():
            PartCounts.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["part"],
                update_fields=["shape", "day", "counted_at", "blocks", "block_times"],
            )
    except DatabaseError:
        # A part deleted meanwhile, or a database that refuses writes for a moment: the
        # figures shown are right; the next request counts what it has to.
        logger.warning("Could not keep the dashboards' counts", exc_info=True)


def _changed_blocks(kept):
    """{part_id: blocks holding a unit with an event since a minute before the part was
    counted}: the scan log and the unit tables joined by the database, one statement."""
    quote = connection.ops.quote_name
    events = quote(ScanEvent._meta.db_table)
    selects = []
    for plan, entry in kept:
        table = quote(plan.unit_model._meta.db_table)
        select = (
            f"SELECT {int(plan.part_id)}, {table}.{quote('id')} / {figures.UNITS_PER_BLOCK} "
            f"FROM {table} WHERE {table}.{quote('usid')} IN ("
            f"SELECT {quote('usid')} FROM {events} "
            f"WHERE {quote('part_id')} = %s AND {quote('created_at')} >= %s) GROUP BY 2"
        )
        selects.append((select, [plan.part_id, entry.counted_at - RECHECK]))
    blocks = {}
    for batch in figures.in_statements(selects):
        with connection.cursor() as cursor:
            cursor.execute(
                " UNION ALL ".join(select for select, _params in batch),
                [value for _select, params in batch for value in params],
            )
            for part_id, block in cursor.fetchall():
                blocks.setdefault(part_id, set()).add(block)
    return blocks


def parts_recounting(part_ids):
    """The parts among ``part_ids`` with a recount job queued or running."""
    return set(
        Job.objects.filter(
            kind=JobKind.RECOUNT, state__in=ACTIVE_STATES, part_id__in=list(part_ids)
        ).values_list("part_id", flat=True)
    )


def figures_current(plans, *, today_start, wait_for_recounts=True):
    """{part_id: PartFigures} for each plan, current to the latest committed scan.

    A part whose counts were kept for other stages, while a recount job for it is queued or
    running, is left out (``wait_for_recounts``): the page shows it as recounting instead of
    counting it too. A part never counted (a new one, with few units) is counted here.
    """
    plans = list(plans)
    now = timezone.now()
    day = today_start.date()
    stored = _stored(plans)
    entries, afresh, kept, new_day, reshaped = {}, [], [], set(), []
    for plan in plans:
        entry = stored.get(plan.part_id)
        shape = counts_shape(plan)
        if entry is None or entry.shape != shape or entry.day > day:
            entries[plan.part_id] = CountedPart(shape=shape, day=day)
            afresh.append(plan)
            if entry is not None and entry.shape != shape:
                reshaped.append(plan.part_id)
            continue
        if entry.day < day:
            entry.start_day(day, plan)
            new_day.add(plan.part_id)
        entries[plan.part_id] = entry
        kept.append((plan, entry))
    if reshaped and wait_for_recounts:
        recounting = parts_recounting(reshaped)
        afresh = [plan for plan in afresh if plan.part_id not in recounting]
        plans = [plan for plan in plans if plan.part_id not in recounting]
    blocks = _changed_blocks(kept)
    recount_before = now - datetime.timedelta(seconds=settings.DASHBOARD_RECOUNT_SECONDS)
    for plan, entry in kept:
        # One block counted long enough ago is counted again on each request (oldest first),
        # so an edit made outside the app shows within a sweep of the part.
        oldest = entry.oldest_block(recount_before)
        if oldest is not None:
            blocks.setdefault(plan.part_id, set()).add(oldest)
    requests = [(plan, None) for plan in afresh]
    requests += [(plan, blocks[plan.part_id]) for plan, _entry in kept if plan.part_id in blocks]
    counted = figures.count_blocks(requests, today_start=today_start) if requests else {}
    for plan, requested in requests:
        entries[plan.part_id].counted(counted.get(plan.part_id, {}), requested, now)
    # A part nothing was counted for keeps its row as it is: the next request looks for events
    # from the same time on, and finds the same (none) plus any new ones.
    changed = new_day | {plan.part_id for plan, _requested in requests}
    _store({part_id: entries[part_id] for part_id in changed})
    return {
        plan.part_id: figures.figures_from_counts(
            plan,
            figures.summed(list(entries[plan.part_id].blocks.values())),
            today_start=today_start,
        )
        for plan in plans
    }


def count_after_procedure_change(part_id):
    """Count a part afresh when its procedure changed what its counts are for.

    Run by the recount job a procedure save queues (``recount_jobs``), so that neither the
    save nor a supervisor's page waits for a million units to be counted. A failure only
    leaves the counting to the next page that shows the part.
    """
    from parts.models import ModelPart
    from shopfloor.dashboards.windows import today_start
    from shopfloor.scanning.plans import plan_of_part

    try:
        part = ModelPart.objects.filter(pk=part_id).select_related("procedure").first()
        plan = plan_of_part(part) if part is not None else None
        if plan is None:
            return
        kept = PartCounts.objects.filter(part_id=part_id).values_list("shape", flat=True).first()
        if kept != counts_shape(plan):
            figures_current([plan], today_start=today_start(), wait_for_recounts=False)
    except DatabaseError:
        logger.warning("Could not count part %s after its new procedure", part_id, exc_info=True)
