"""Figures kept current by counting again only the units that changed.

Counting a part of a million units reads its whole unit table: a second or more on a busy
server, too slow for every supervisor's overview every few seconds. So each part's counts are
kept in Django's cache (the ``dashboards`` alias) per block of primary keys (see
``figures.count_blocks``) with the time they were counted. On the next request, the scan log
says which units changed since (every scan, override, hold and release writes an event in the
same transaction as the unit row): only their blocks are counted again, from the current
rows, so the figures are always current and a request costs what changed since the last one,
not the size of the part.

Events are re-read from a minute before the last count, so one whose transaction committed
just after that count is not missed. Edits made outside the app's services (no event) show
when their block is counted again: each request also counts again the one block of each part
counted longest ago, once it is older than ``settings.DASHBOARD_RECOUNT_SECONDS``. A new
procedure version or a new day (for "finished today") starts the part afresh.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils import timezone

from shopfloor.dashboards.figures import UNITS_PER_BLOCK, count_blocks, figures_from_counts, summed
from shopfloor.stations.models import ScanEvent

CACHE = "dashboards"
KEEP_FOR = 24 * 60 * 60
RECHECK = datetime.timedelta(seconds=60)
MOST_CHANGED_UNITS = 5000  # past this many changed units, a part is counted afresh


@dataclass
class CountedPart:
    blocks: dict = field(default_factory=dict)  # block: counts
    block_times: dict = field(default_factory=dict)  # block: when it was counted
    counted_at: datetime.datetime | None = None

    def oldest_block(self, older_than):
        """The block counted longest ago, if that was at ``older_than`` or before."""
        if not self.block_times:
            return None
        block = min(self.block_times, key=lambda block: (self.block_times[block], block))
        return block if self.block_times[block] <= older_than else None


def _key(plan, today_start):
    day = today_start.date().isoformat()
    return f"dashboards:counts:{plan.part_id}:{plan.version}:{plan.fingerprint}:{day}"


def _changed_usids(entries, now):
    """{part_id: usids with an event since a minute before the part was last counted}."""
    if not entries:
        return {}
    since = min(entry.counted_at for _plan, entry in entries) - RECHECK
    part_ids = [plan.part_id for plan, _entry in entries]
    events = ScanEvent.objects.filter(created_at__gte=since, part_id__in=part_ids).order_by()
    counted_at = {plan.part_id: entry.counted_at for plan, entry in entries}
    changed = {}
    for part_id, usid, created_at in events.values_list("part_id", "usid", "created_at"):
        if created_at >= counted_at[part_id] - RECHECK:
            changed.setdefault(part_id, set()).add(usid)
    return changed


def _blocks_of(plans, changed):
    """{part_id: blocks holding the changed units}; one statement for all parts."""
    quote = connection.ops.quote_name
    selects, params = [], []
    for plan in plans:
        usids = sorted(changed.get(plan.part_id, ()))
        if not usids:
            continue
        table = quote(plan.unit_model._meta.db_table)
        marks = ", ".join(["%s"] * len(usids))
        selects.append(
            f"SELECT {int(plan.part_id)}, {quote('id')} / {UNITS_PER_BLOCK} FROM {table} "
            f"WHERE {quote('usid')} IN ({marks})"
        )
        params.extend(usids)
    blocks = {}
    if selects:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(selects), params)
            for part_id, block in cursor.fetchall():
                blocks.setdefault(part_id, set()).add(block)
    return blocks


def figures_current(plans, *, today_start):
    """{part_id: PartFigures} for each plan, current to the latest committed scan."""
    plans = list(plans)
    now = timezone.now()
    keys = {plan.part_id: _key(plan, today_start) for plan in plans}
    cache = caches[CACHE]
    stored = cache.get_many(list(keys.values()))
    recount_before = now - datetime.timedelta(seconds=settings.DASHBOARD_RECOUNT_SECONDS)
    afresh, kept = [], []
    for plan in plans:
        entry = stored.get(keys[plan.part_id])
        (afresh.append(plan) if entry is None else kept.append((plan, entry)))
    changed = _changed_usids(kept, now)
    for plan, entry in list(kept):
        if len(changed.get(plan.part_id, ())) > MOST_CHANGED_UNITS:
            kept.remove((plan, entry))
            afresh.append(plan)
    blocks = _blocks_of([plan for plan, _entry in kept], changed)
    for plan, entry in kept:
        # One block counted long enough ago is counted again on each request (oldest first),
        # so an edit made outside the app shows within a sweep of the part.
        oldest = entry.oldest_block(recount_before)
        if oldest is not None:
            blocks.setdefault(plan.part_id, set()).add(oldest)
    requests = [(plan, None) for plan in afresh]
    requests += [(plan, blocks[plan.part_id]) for plan, _entry in kept if plan.part_id in blocks]
    counted = count_blocks(requests, today_start=today_start) if requests else {}
    entries, to_store = {}, {}
    for plan in afresh:
        entries[plan.part_id] = CountedPart()
    for plan, entry in kept:
        entries[plan.part_id] = entry
    for plan in plans:
        entry = entries[plan.part_id]
        fresh = counted.get(plan.part_id, {})
        entry.blocks.update(fresh)
        entry.block_times.update(dict.fromkeys(fresh, now))
        entry.counted_at = now
        to_store[keys[plan.part_id]] = entry
    cache.set_many(to_store, KEEP_FOR)
    return {
        plan.part_id: figures_from_counts(
            plan, summed(list(entries[plan.part_id].blocks.values())), today_start=today_start
        )
        for plan in plans
    }
