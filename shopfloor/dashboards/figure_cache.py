"""Recently counted figures, shared by every request that shows them.

Counting a part of a million units reads its whole unit table (a second or so on a busy
server), and every supervisor's overview asks every few seconds. So the figures of each part
are kept in Django's cache (per process by default; shared across processes when the site
configures a shared cache) with the scan event they are current to:

- while no scan, override or hold has been written since, they are exact and served as they are;
- once newer events exist, they are counted again when they are older than
  ``settings.DASHBOARD_FIGURES_MAX_AGE`` seconds (one request counts, the others serve the last
  figures meanwhile), so a page shows figures at most that old;
- a new procedure version or a new day (for "finished today") starts afresh.

``DASHBOARD_FIGURES_MAX_AGE = 0`` counts on every request.
"""

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from shopfloor.dashboards.figures import figures_for_plans

KEEP_FOR = 60 * 60
COUNTING_FOR = 120


def _key(plan, today_start):
    day = today_start.date().isoformat()
    return f"dashboards:figures:{plan.part_id}:{plan.version}:{plan.fingerprint}:{day}"


def figures_current(plans, *, today_start, latest_event):
    """{part_id: (PartFigures, id of the latest event they include)} for each plan.

    ``latest_event`` is the id of the newest scan event, read before calling: figures counted
    here include at least every event up to it.
    """
    plans = list(plans)
    max_age = settings.DASHBOARD_FIGURES_MAX_AGE
    now = timezone.now().timestamp()
    keys = {plan.part_id: _key(plan, today_start) for plan in plans}
    stored = cache.get_many(list(keys.values())) if max_age > 0 else {}
    current, to_count = {}, []
    for plan in plans:
        key = keys[plan.part_id]
        entry = stored.get(key)
        if entry is not None:
            figures, as_of_event, counted_at = entry
            outdated = as_of_event < latest_event and now - counted_at >= max_age
            # Only one request counts an outdated part again; the others show the last figures.
            if not outdated or not cache.add(f"{key}:counting", True, COUNTING_FOR):
                current[plan.part_id] = (figures, as_of_event)
                continue
        to_count.append(plan)
    if to_count:
        counted = figures_for_plans(to_count, today_start=today_start)
        for plan in to_count:
            current[plan.part_id] = (counted[plan.part_id], latest_event)
        if max_age > 0:
            cache.set_many(
                {keys[p.part_id]: (counted[p.part_id], latest_event, now) for p in to_count},
                KEEP_FOR,
            )
            cache.delete_many([f"{keys[p.part_id]}:counting" for p in to_count])
    return current
