"""Reads of the labels app: templates, batches and their numbers, a unit's label events."""

from datetime import timedelta

from django.utils import timezone

from shopfloor.labels.models import LabelEvent, LabelTemplate, SerialBatch, SerialVoid
from shopfloor.labels.numbering import pattern_parse
from shopfloor.stations.models import UnitRegistration

BATCH_PAGE_SIZE = 100
STATION_ALERT_MINUTES = 30
ISSUED, REGISTERED, VOIDED = "issued", "registered", "voided"


def default_template(part):
    """The template marked default, else the part's first by name; None without any."""
    return LabelTemplate.objects.filter(part=part).order_by("-is_default", "name").first()


def printed_usids(usids):
    """Those of ``usids`` whose label was printed (or reprinted) before."""
    printed = LabelEvent.objects.filter(
        usid__in=usids, action__in=[LabelEvent.Action.PRINT, LabelEvent.Action.REPRINT]
    )
    return set(printed.values_list("usid", flat=True))


def part_batches(*, part):
    return SerialBatch.objects.filter(part=part).select_related("issued_by")


def _registered_in(batch):
    """The numbers of ``batch`` a unit was registered with, in order: one query on the USID
    index's range between the batch's first and last number, checked number by number."""
    parsed = pattern_parse(batch.pattern)
    before, after = parsed.prefix_and_suffix(batch.issued_on)
    candidates = UnitRegistration.objects.filter(
        usid__gte=batch.first_usid, usid__lte=batch.last_usid
    ).values_list("usid", flat=True)
    length = len(batch.first_usid)
    found = []
    for usid in candidates.iterator():
        digits = usid[len(before) : length - len(after)]
        framed = len(usid) == length and usid.startswith(before) and usid.endswith(after)
        if framed and digits.isdigit() and batch.first_seq <= int(digits) <= batch.last_seq:
            found.append((int(digits), usid))
    return sorted(found)


def batch_registered_count(batch):
    """How many numbers of ``batch`` a unit was registered with."""
    return len(_registered_in(batch))


def batch_numbers(*, batch, page=1, size=BATCH_PAGE_SIZE, state=""):
    """One page of the batch's numbers, each with its state (issued and not yet scanned,
    registered, voided) and whether its label was printed; ``state`` keeps only one state.

    Voided and registered numbers are read from their own tables; the numbers not scanned
    yet (most of a fresh batch) are found by walking the batch a hundred at a time.
    """
    if state in (REGISTERED, VOIDED):
        if state == VOIDED:
            chosen = list(batch.voids.order_by("seq").values_list("seq", "usid"))
        else:
            chosen = _registered_in(batch)
        chunk = chosen[(page - 1) * size : page * size]
        rows = [
            {"seq": seq, "usid": usid, "state": row_state, "printed": printed}
            for seq, usid, row_state, printed in _states(batch, chunk)
        ]
        return rows, len(chosen) > page * size
    rows = []
    start = batch.first_seq
    skip = (page - 1) * size
    while start <= batch.last_seq and len(rows) < size:
        end = min(start + size - 1, batch.last_seq)
        chunk = [(seq, batch.usid(seq)) for seq in range(start, end + 1)]
        for seq, usid, row_state, printed in _states(batch, chunk):
            if state and row_state != state:
                continue
            if skip:
                skip -= 1
                continue
            if len(rows) < size:
                rows.append({"seq": seq, "usid": usid, "state": row_state, "printed": printed})
        start = end + 1
    return rows, start <= batch.last_seq


def _states(batch, chunk):
    usids = [usid for _seq, usid in chunk]
    registered = set(UnitRegistration.objects.filter(usid__in=usids).values_list("usid", flat=True))
    voided = dict(
        SerialVoid.objects.filter(batch=batch, usid__in=usids).values_list("usid", "reason")
    )
    printed = printed_usids(usids)
    for seq, usid in chunk:
        if usid in voided:
            state = VOIDED
        elif usid in registered:
            state = REGISTERED
        else:
            state = ISSUED
        yield seq, usid, state, usid in printed


def unit_label_events(*, usid):
    """Every label event of ``usid``, oldest first."""
    return (
        LabelEvent.objects.filter(usid=usid)
        .select_related("printer", "user", "station", "batch")
        .order_by("created_at", "id")
    )


def station_label_alert(*, station, now=None):
    """The latest "label not printed" event at ``station`` in the last half hour, unless a
    label printed there since; None when the printer is fine."""
    now = now or timezone.now()
    since = now - timedelta(minutes=STATION_ALERT_MINUTES)
    latest = (
        LabelEvent.objects.filter(station=station, created_at__gte=since)
        .exclude(action=LabelEvent.Action.VOID)
        .order_by("-created_at", "-id")
        .first()
    )
    return latest if latest is not None and latest.action == LabelEvent.Action.FAILED else None
