"""Recording CFX messages, exactly once.

``message_receive`` records one delivered message in one transaction and returns a
``Receipt``; the listener acknowledges the message to the broker only after it returns, so a
listener that dies before acknowledging gets the message again. A redelivered message is
recognised by its key (its ``UniqueID``; a digest of its bytes when it has none) and records
nothing twice; each unit's scan goes through the same ``scan_record`` service as the scan API,
with a ``scan_id`` made of the message's UniqueID.

A message that cannot be recorded whole (not JSON, an unknown name, an endpoint mapped to no
station, a unit the rules refuse) is kept as a ``DeadLetter`` with the reason, in the same
transaction; what could be recorded of it stays recorded, and a replay after the fix records
the rest (the units already recorded are answered from their scan receipts).
"""

import hashlib
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from parts.models import ModelPart
from shopfloor.cfx import envelopes
from shopfloor.cfx.envelopes import MessageRefused
from shopfloor.cfx.measurements import limits_disagreement, measurement_data
from shopfloor.cfx.models import DeadLetter, Endpoint, Message, NameMapping
from shopfloor.scanning.plans import plan_of_part
from shopfloor.scanning.rules import StationSnapshot, machine_receipt_forget, scan_record
from shopfloor.stations.models import SCAN_ID_MAX_LENGTH, ScanEvent, Station, UnitRegistration

GENERIC_SYMPTOM = "cfx_symptom"
RECORDED = "recorded"
DEAD_LETTERED = "dead_lettered"
DUPLICATE = "duplicate"


@dataclass(frozen=True)
class Receipt:
    """What became of a delivered message: recorded, dead-lettered or a duplicate."""

    status: str
    key: str
    summary: str


@dataclass(frozen=True)
class _Scan:
    usid: str
    result: str
    defect: str | None = None
    note: str = ""
    measurements: tuple = ()
    data: dict = field(default_factory=dict)
    components: dict = field(default_factory=dict)


def message_receive(raw):
    """Record the delivered message ``raw`` (bytes) in one transaction; a ``Receipt``.

    Never raises for a bad message: it is dead-lettered with its reason. Database errors do
    raise, and then nothing was written (the caller leaves the message to be delivered again).
    """
    try:
        envelope = envelopes.envelope_read(raw)
    except MessageRefused as refusal:
        envelope, refused = None, refusal
    else:
        refused = None
    key = envelope.unique_id if envelope else envelopes.digest_of(raw)
    body, complete = _kept_text(raw)
    try:
        with transaction.atomic():
            # The message's row is written last, with its outcome: a redelivery fails on its
            # key and rolls back whatever it did (its scans were answered from their receipts).
            endpoint = _endpoint_heard(envelope.source) if envelope else None
            if refused is None:
                summary, refused = _record(envelope, endpoint)
            else:
                summary = ""
            message = Message(
                key=key,
                name=envelope.name if envelope else "",
                endpoint=endpoint.row if endpoint else None,
                body=body,
                summary=summary,
                outcome=Message.Outcome.RECORDED,
            )
            return _conclude(message, refused, body_complete=complete)
    except IntegrityError:
        if Message.objects.filter(key=key).exists():
            return _again(key)  # delivered again, or twice at once: recorded already
        raise


def message_dead_letter(raw, *, reason):
    """Keep ``raw`` as a dead letter with ``reason``, when recording it failed in a way no
    rule foresaw (the listener's last resort, so that it goes on to the next message)."""
    key = envelopes.digest_of(raw)
    body, complete = _kept_text(raw)
    with transaction.atomic():
        if Message.objects.filter(key=key).exists():
            return _again(key)
        message = Message(key=key, body=body, outcome=Message.Outcome.RECORDED)
        return _conclude(message, MessageRefused(reason), body_complete=complete)


def dead_letter_replay(*, dead_letter, user):
    """Record a dead-lettered message again, after an engineer fixed what its reason names.

    Returns the ``Receipt``: recorded (the dead letter is closed) or dead-lettered again (its
    reason brought up to date). Units recorded before are not recorded twice.
    """
    with transaction.atomic():
        dead_letter = (
            DeadLetter.objects.select_for_update().select_related("message").get(pk=dead_letter.pk)
        )
        message = dead_letter.message
        if dead_letter.status == DeadLetter.Status.REPLAYED:
            return Receipt(RECORDED, message.key, message.summary)
        dead_letter.replays += 1
        dead_letter.replayed_at = timezone.now()
        dead_letter.replayed_by = user
        if not dead_letter.body_complete:
            dead_letter.save()
            return Receipt(DEAD_LETTERED, message.key, dead_letter.reason)
        try:
            envelope = envelopes.envelope_read(message.body.encode("utf-8"))
        except MessageRefused as refusal:
            summary, refused = "", refusal
        else:
            endpoint = _endpoint_heard(envelope.source)
            if message.endpoint_id != endpoint.row.pk:
                message.endpoint = endpoint.row
            summary, refused = _record(envelope, endpoint)
        if refused is not None:
            dead_letter.reason = refused.reason
            dead_letter.save()
            message.summary = summary
            message.save(update_fields=["summary", "endpoint"])
            return Receipt(DEAD_LETTERED, message.key, refused.reason)
        dead_letter.status = DeadLetter.Status.REPLAYED
        dead_letter.save()
        message.outcome = Message.Outcome.RECORDED
        message.summary = summary
        message.save(update_fields=["outcome", "summary", "endpoint"])
        return Receipt(RECORDED, message.key, summary)


def endpoint_map(*, endpoint, station, names):
    """Map ``endpoint`` to ``station`` (or None) and its names: ``names`` maps each
    ``NameMapping`` id to ``(field_key, defect)``."""
    with transaction.atomic():
        endpoint.station = station
        endpoint.full_clean()
        endpoint.save(update_fields=["station"])
        for mapping in endpoint.names.select_for_update().filter(pk__in=names):
            mapping.field_key, mapping.defect = names[mapping.pk]
            mapping.full_clean()
            mapping.save(update_fields=["field_key", "defect"])
        _revise(endpoint.pk)


def message_replay(*, message):
    """Record a logged message again from its kept text (e.g. the MaterialsInstalled messages
    kept before lot components were recorded); a ``Receipt``. What it recorded before is
    answered from its scan receipts, so nothing is recorded twice. When it cannot be recorded
    now it gets (or keeps) a dead letter with the reason."""
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message.pk)
        dead_letter = DeadLetter.objects.filter(message=message).first()
        if dead_letter is not None and dead_letter.status == DeadLetter.Status.OPEN:
            return dead_letter_replay(dead_letter=dead_letter, user=None)
        try:
            envelope = envelopes.envelope_read(message.body.encode("utf-8"))
        except MessageRefused as refusal:
            summary, refused = "", refusal
        else:
            summary, refused = _record(envelope, _endpoint_heard(envelope.source))
        if refused is not None:
            DeadLetter.objects.update_or_create(
                message=message,
                defaults={"reason": refused.reason, "status": DeadLetter.Status.OPEN},
            )
            message.outcome = Message.Outcome.DEAD_LETTERED
            message.summary = summary
            message.save(update_fields=["outcome", "summary"])
            return Receipt(DEAD_LETTERED, message.key, refused.reason)
        message.summary = summary
        message.save(update_fields=["summary"])
        return Receipt(RECORDED, message.key, summary)


def _again(key):
    Message.objects.filter(key=key).update(deliveries=F("deliveries") + 1)
    return Receipt(DUPLICATE, key, "Delivered again: already received, nothing recorded twice.")


def _kept_text(raw):
    """The message as text to keep, and whether it is kept whole (it can be replayed)."""
    complete = len(raw) <= settings.CFX_MAX_MESSAGE_BYTES
    if not complete:
        raw = raw[: settings.CFX_KEEP_BYTES]
    text = raw.decode("utf-8", errors="replace")
    if "\x00" in text:  # a database text column cannot hold NUL
        text, complete = text.replace("\x00", "\N{REPLACEMENT CHARACTER}"), False
    return text, complete


def _conclude(message, refused, *, body_complete):
    """Write ``message`` (unsaved) with its outcome, and its dead letter when ``refused``."""
    if refused is None:
        message.save(force_insert=True)
        return Receipt(RECORDED, message.key, message.summary)
    message.outcome = Message.Outcome.DEAD_LETTERED
    message.save(force_insert=True)
    DeadLetter.objects.create(message=message, reason=refused.reason, body_complete=body_complete)
    return Receipt(DEAD_LETTERED, message.key, refused.reason)


# The endpoint mappings this process (one listener) has read: {endpoint id: _Mapped}. An entry
# is used while the endpoint's revision (read with every message, in the statement that marks
# it heard) is unchanged, and at most MAPPING_KEPT_SECONDS, so that an edit of the station
# itself (its stage, parts, active) reaches the listener soon too.
MAPPING_KEPT_SECONDS = 5.0
_mapped = {}


@dataclass
class _Mapped:
    """An endpoint as a message needs it: its row, station and snapshot, and its names."""

    row: Endpoint
    station: Station | None
    snapshot: StationSnapshot | None
    names: dict
    stamp: tuple
    read_at: float


def endpoint_cache_clear():
    _mapped.clear()


def _revise(endpoint_id):
    Endpoint.objects.filter(pk=endpoint_id).update(revision=F("revision") + 1)


def _endpoint_heard(handle):
    """The endpoint of ``handle`` (a ``_Mapped``), marked heard now; read from the database
    only when this listener has not read its current revision in the last few seconds."""
    now = timezone.now()
    table = connection.ops.quote_name(Endpoint._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_seen_at = %s WHERE handle = %s "
            "RETURNING id, station_id, revision, first_seen_at",
            [now, handle],
        )
        found = cursor.fetchone()
    if found is None:
        row, _created = Endpoint.objects.get_or_create(
            handle=handle, defaults={"first_seen_at": now, "last_seen_at": now}
        )
        found = (row.pk, row.station_id, row.revision, row.first_seen_at)
    stamp = (found[1], found[2], str(found[3]))
    kept = _mapped.get(found[0])
    if (
        kept is not None
        and kept.stamp == stamp
        and time.monotonic() - kept.read_at < (MAPPING_KEPT_SECONDS)
    ):
        return kept
    row = Endpoint.objects.select_related("station").get(pk=found[0])
    station = row.station
    mapped = _Mapped(
        row=row,
        station=station,
        snapshot=StationSnapshot.of(station) if station is not None else None,
        names={(m.kind, m.name): m for m in row.names.select_related("defect")},
        stamp=stamp,
        read_at=time.monotonic(),
    )
    _mapped[found[0]] = mapped
    return mapped


def _record(envelope, endpoint):
    """Record what ``envelope`` says (``endpoint`` a ``_Mapped``): ``(summary, refusal or
    None)``."""
    try:
        if envelope.name == envelopes.UNITS_TESTED:
            units = envelopes.units_tested_read(envelope.body)
            names = _names_heard(endpoint, _tested_names(units))
            _station_of(endpoint)
            field_keys = _field_keys(names)
            scans = [_tested_scan(unit, names, field_keys) for unit in units]
            return _scan_all(envelope, endpoint, scans)
        if envelope.name == envelopes.WORK_COMPLETED:
            result, usids = envelopes.work_completed_read(envelope.body)
            _station_of(endpoint)
            if result != "Completed":
                return f"Work {result}: nothing to record.", None
            return _scan_all(envelope, endpoint, [_Scan(usid, "pass") for usid in usids])
        if envelope.name == envelopes.MATERIALS_INSTALLED:
            materials = envelopes.materials_installed_read(envelope.body)
            nameless = [m.usid for m in materials if not m.part_number]
            if nameless:
                raise MessageRefused(
                    f"An installed material of {nameless[0]} has no InternalPartNumber: it "
                    "cannot be mapped to a component."
                )
            heard = {(NameMapping.Kind.MATERIAL, m.part_number) for m in materials}
            names = _names_heard(endpoint, heard)
            station = _station_of(endpoint)
            return _scan_all(envelope, endpoint, _installing_scans(materials, names, station))
        if envelope.name in envelopes.PRESENCE:
            return f"{envelope.name.removeprefix('CFX.')}: nothing to record.", None
    except MessageRefused as refusal:
        return "", refusal
    known = ", ".join(
        [envelopes.UNITS_TESTED, envelopes.WORK_COMPLETED, envelopes.MATERIALS_INSTALLED]
    )
    return "", MessageRefused(f"Unknown message name {envelope.name!r} (recorded: {known}).")


def _station_of(endpoint):
    station = endpoint.station
    if station is None:
        raise MessageRefused(
            f"The endpoint {endpoint.row.handle} is not mapped to a station yet: map it, then "
            "replay this message."
        )
    if not station.is_active:
        raise MessageRefused(
            f"Station {station.name} of endpoint {endpoint.row.handle} is inactive."
        )
    return station


def _tested_names(units):
    heard = set()
    for unit in units:
        heard.update((NameMapping.Kind.TEST, name) for name in unit.tests)
        heard.update((NameMapping.Kind.MEASUREMENT, m.name) for m in unit.measurements)
        heard.update((NameMapping.Kind.SYMPTOM, code) for code in unit.codes)
    return heard


def _names_heard(endpoint, heard):
    """The endpoint's mappings by ``(kind, name)``; names ``heard`` for the first time are
    added, unmapped, so they are listed for an engineer."""
    new = [
        NameMapping(endpoint=endpoint.row, kind=kind, name=name)
        for kind, name in sorted(heard - endpoint.names.keys())
    ]
    if new:
        NameMapping.objects.bulk_create(new, ignore_conflicts=True)
        _revise(endpoint.row.pk)
        endpoint.names = {(m.kind, m.name): m for m in endpoint.row.names.select_related("defect")}
        endpoint.read_at = 0.0  # read again with the next message (the revision moved)
    return endpoint.names


def _installing_scans(materials, names, station):
    """One scan per unit of a MaterialsInstalled message, its materials as the components of
    the station's stage: each material's internal part number mapped to a component key, its
    UniqueIdentifier the lot code (or the USID of a unit installed)."""
    unmapped = sorted(
        {
            m.part_number
            for m in materials
            if not names[(NameMapping.Kind.MATERIAL, m.part_number)].field_key
        }
    )
    if unmapped:
        raise MessageRefused(
            "Materials not mapped to a component of the stage yet: "
            f"{', '.join(unmapped)}. Map them on the endpoint's page, then replay this message."
        )
    by_unit = {}
    for index, material in enumerate(materials, start=1):
        key = names[(NameMapping.Kind.MATERIAL, material.part_number)].field_key
        if not material.material_id:
            raise MessageRefused(
                f"Installed material {index} ({material.part_number}) has no UniqueIdentifier "
                "(the lot or unit installed)."
            )
        components = by_unit.setdefault(material.usid, {})
        held = components.get(key)
        if held is not None and held.casefold() != material.material_id.casefold():
            raise MessageRefused(
                f"{material.usid}: component {key} is installed twice, as {held} and "
                f"{material.material_id}."
            )
        components[key] = material.material_id
    return [
        _Scan(usid, "pass", components=components, note="CFX: materials installed.")
        for usid, components in by_unit.items()
    ]


def _field_keys(names):
    """Measurement names mapped to procedure field keys."""
    return {
        name: mapping.field_key
        for (kind, name), mapping in names.items()
        if kind == NameMapping.Kind.MEASUREMENT and mapping.field_key
    }


def _tested_scan(unit, names, field_keys):
    if unit.result not in ("pass", "fail"):
        return _Scan(unit.usid, unit.result)
    codes = ", ".join(unit.codes)
    note = f"CFX codes: {codes}." if codes else ""
    defect = None
    if unit.result == "fail":
        mapped = [
            names[(NameMapping.Kind.SYMPTOM, code)].defect
            for code in unit.codes
            if names[(NameMapping.Kind.SYMPTOM, code)].defect is not None
        ]
        active = [reason for reason in mapped if reason.is_active]
        defect = active[0].code if active else GENERIC_SYMPTOM
        note = note or "CFX: failed without a symptom or defect code."
    data = measurement_data(unit.usid, unit.measurements, field_keys)
    return _Scan(unit.usid, unit.result, defect, note, unit.measurements, data)


def _scan_all(envelope, endpoint, scans):
    """Scan each unit at the endpoint's station: ``(summary, refusal or None)``. A unit the
    rules refuse writes nothing (its scan receipt goes too, so a replay can record it): with
    several units each is scanned inside a savepoint; a single unit's receipt is deleted."""
    station, snapshot = endpoint.station, endpoint.snapshot
    field_keys = _field_keys(endpoint.names)
    several = len(scans) > 1
    lines, refusals, plans = [], [], {}
    for index, scan in enumerate(scans, start=1):
        if scan.result not in ("pass", "fail"):
            lines.append(f"{scan.usid}: OverallResult {scan.result}, nothing to record.")
            continue
        scan_id = _scan_id(envelope.unique_id, index)
        flags = _limits_flags(scan, snapshot, field_keys, plans)
        note = " ".join([scan.note, *flags]).strip()
        savepoint = transaction.savepoint() if several else None
        outcome = scan_record(
            usid=scan.usid,
            stage=station.stage,
            result=scan.result,
            defect=scan.defect,
            station=snapshot,
            source=ScanEvent.Source.CFX,
            scan_id=scan_id,
            note=note,
            data=scan.data or None,
            components=scan.components or None,
        )
        if outcome.is_refused:
            if several:
                transaction.savepoint_rollback(savepoint)
            else:
                machine_receipt_forget(
                    source=ScanEvent.Source.CFX, station=snapshot, scan_id=scan_id
                )
            refusals.append(f"{scan.usid}: {outcome.message}")
            continue
        if several:
            transaction.savepoint_commit(savepoint)
        lines.append(outcome.message)
        lines.extend(f"{outcome.usid}: {flag}" for flag in flags)
    summary = " ".join(lines)
    if refusals:
        return summary, MessageRefused(" ".join(refusals))
    return summary, None


def _limits_flags(scan, station, field_keys, plans):
    """Lines naming the mapped measurements of ``scan`` whose limits in the message are not
    their field's, for the scan's note and the log; the plan is the unit's part's (or the
    station's only part's, for a unit not registered yet)."""
    if not scan.data or not any(
        m.minimum is not None or m.maximum is not None for m in scan.measurements
    ):
        return []
    registration = UnitRegistration.objects.find(scan.usid)
    if registration is not None:
        part_id = registration.part_id
    elif len(station.part_ids) == 1:
        (part_id,) = station.part_ids
    else:
        return []
    if part_id not in plans:
        part = ModelPart.objects.select_related("procedure").filter(pk=part_id).first()
        plans[part_id] = plan_of_part(part) if part is not None else None
    if plans[part_id] is None:
        return []
    return limits_disagreement(plans[part_id], station.stage, scan.measurements, field_keys)


def _scan_id(unique_id, index):
    """The ``scan_id`` of the ``index``-th unit of a message: its UniqueID and the index, or a
    digest of them when that is too long or not printable ASCII."""
    scan_id = f"{unique_id}/{index}"
    if len(scan_id) <= SCAN_ID_MAX_LENGTH and scan_id.isascii() and scan_id.isprintable():
        return scan_id
    return f"cfx:{hashlib.sha256(unique_id.encode()).hexdigest()[:48]}/{index}"
