"""The recall export: every unit holding a lot (or a unit), with where it stands, as CSV rows.

Rows are produced in chunks as the trace query is read, and each chunk's units are read from
their parts' unit tables in one query per part, so 100,000 units stream without being held
in memory twice.
"""

import csv
import io
from itertools import islice

from parts.models import ModelPart
from shopfloor.genealogy.selectors import trace_forward
from shopfloor.scanning.plans import plan_of_part

HEADER = ["usid", "part_no", "via", "state", "where", "dispatched"]
CHUNK = 2000
DISPATCH_STAGE = "dispatch"


def unit_standing(plan, row):
    """(state, where, dispatched) of a unit row: ``on hold``, ``finished`` or ``in process``;
    the stage it waits at (or its last stage when finished); ``yes`` or ``no`` as its
    ``dispatch`` stage is done, ``n/a`` for a part without one (it leaves inside another)."""
    if row is None:
        return "missing", "", "n/a"
    pending = [s for s in plan.stages if not s.optional and not row.get(s.flag)]
    dispatch = plan.stage(DISPATCH_STAGE)
    dispatched = "n/a" if dispatch is None else ("yes" if row.get(dispatch.flag) else "no")
    if row.get("on_hold"):
        state = "on hold"
    elif pending:
        state = "in process"
    else:
        state = "finished"
    where = pending[0].label if pending else (plan.stages[-1].label if plan.stages else "")
    return state, where, dispatched


def recall_csv_chunks(*, lot=None, usid=None):
    """The recall as CSV text, in chunks of ``CHUNK`` units: the header, then one row a unit
    [usid, part_no, via, state, where, dispatched]. Each chunk's units are read from their
    parts' unit tables in one query per part."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    plans = {}
    holders = trace_forward(lot=lot, usid=usid)
    try:
        while chunk := list(islice(holders, CHUNK)):
            by_part = {}
            for holder in chunk:
                by_part.setdefault(holder[3], []).append(holder[0])
            standings = {}
            for part_id, usids in by_part.items():
                if part_id not in plans:
                    part = ModelPart.objects.select_related("procedure").get(pk=part_id)
                    plans[part_id] = plan_of_part(part)
                standings.update(_standings(plans[part_id], usids))
            writer.writerows(
                [holder, part_no, " > ".join(via), *standings.get(holder, MISSING)]
                for holder, part_no, via, _part_id in chunk
            )
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    finally:
        holders.close()
    if out.tell():
        yield out.getvalue()


MISSING = ("missing", "", "n/a")


def _standings(plan, usids):
    """{usid: (state, where, dispatched)} of ``usids``, units of ``plan``'s part, in one query."""
    if plan is None:
        return {}
    # Only what the standing needs: the stage flags and the hold (no dates to convert).
    columns = ["usid", "on_hold", *(stage.flag for stage in plan.stages)]
    rows = plan.unit_model.objects.filter(usid__in=usids).values_list(*columns)
    return {row[0]: unit_standing(plan, dict(zip(columns, row, strict=True))) for row in rows}
