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
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from shopfloor.cfx import envelopes
from shopfloor.cfx.envelopes import MessageRefused
from shopfloor.cfx.models import DeadLetter, Endpoint, Message, NameMapping
from shopfloor.cfx.seams import lot_components_record, stage_data_record
from shopfloor.scanning.rules import StationSnapshot, scan_record
from shopfloor.stations.models import SCAN_ID_MAX_LENGTH, ScanEvent

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
    if Message.objects.filter(key=key).exists():
        return _again(key)
    body, complete = _kept_text(raw)
    try:
        with transaction.atomic():
            message = Message.objects.create(
                key=key,
                name=envelope.name if envelope else "",
                endpoint=_endpoint_heard(envelope.source) if envelope else None,
                body=body,
                outcome=Message.Outcome.RECORDED,
            )
            if refused is None:
                summary, refused = _record(envelope, message.endpoint)
            else:
                summary = ""
            return _conclude(message, summary, refused, body_complete=complete)
    except IntegrityError:
        if Message.objects.filter(key=key).exists():
            return _again(key)  # delivered twice at once: the other delivery recorded it
        raise


def message_dead_letter(raw, *, reason):
    """Keep ``raw`` as a dead letter with ``reason``, when recording it failed in a way no
    rule foresaw (the listener's last resort, so that it goes on to the next message)."""
    key = envelopes.digest_of(raw)
    body, complete = _kept_text(raw)
    with transaction.atomic():
        message, created = Message.objects.get_or_create(
            key=key, defaults={"body": body, "outcome": Message.Outcome.DEAD_LETTERED}
        )
        if not created:
            return _again(key)
        return _conclude(message, "", MessageRefused(reason), body_complete=complete)


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
            if message.endpoint_id != endpoint.pk:
                message.endpoint = endpoint
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


def _conclude(message, summary, refused, *, body_complete):
    message.summary = summary
    if refused is None:
        message.save(update_fields=["summary"])
        return Receipt(RECORDED, message.key, summary)
    message.outcome = Message.Outcome.DEAD_LETTERED
    message.save(update_fields=["summary", "outcome"])
    DeadLetter.objects.create(message=message, reason=refused.reason, body_complete=body_complete)
    return Receipt(DEAD_LETTERED, message.key, refused.reason)


def _endpoint_heard(handle):
    now = timezone.now()
    endpoint, created = Endpoint.objects.get_or_create(
        handle=handle, defaults={"first_seen_at": now, "last_seen_at": now}
    )
    if not created:
        Endpoint.objects.filter(pk=endpoint.pk).update(last_seen_at=now)
    return endpoint


def _record(envelope, endpoint):
    """Record what ``envelope`` says: ``(summary, refusal or None)``."""
    try:
        if envelope.name == envelopes.UNITS_TESTED:
            units = envelopes.units_tested_read(envelope.body)
            names = _names_heard(endpoint, units)
            station = _station_of(endpoint)
            scans = [_tested_scan(unit, names) for unit in units]
            return _scan_all(envelope, station, scans, names)
        if envelope.name == envelopes.WORK_COMPLETED:
            result, usids = envelopes.work_completed_read(envelope.body)
            station = _station_of(endpoint)
            if result != "Completed":
                return f"Work {result}: nothing to record.", None
            return _scan_all(envelope, station, [_Scan(usid, "pass") for usid in usids], {})
        if envelope.name == envelopes.MATERIALS_INSTALLED:
            materials = envelopes.materials_installed_read(envelope.body)
            return lot_components_record(station=_station_of(endpoint), materials=materials), None
        if envelope.name in envelopes.PRESENCE:
            return f"{envelope.name.removeprefix('CFX.')}: nothing to record.", None
    except MessageRefused as refusal:
        return "", refusal
    known = ", ".join(
        [envelopes.UNITS_TESTED, envelopes.WORK_COMPLETED, envelopes.MATERIALS_INSTALLED]
    )
    return "", MessageRefused(f"Unknown message name {envelope.name!r} (recorded: {known}).")


def _station_of(endpoint):
    if endpoint.station_id is None:
        raise MessageRefused(
            f"The endpoint {endpoint.handle} is not mapped to a station yet: map it, then "
            "replay this message."
        )
    station = endpoint.station
    if not station.is_active:
        raise MessageRefused(f"Station {station.name} of endpoint {endpoint.handle} is inactive.")
    return station


def _names_heard(endpoint, units):
    """The endpoint's mappings by ``(kind, name)``; names heard for the first time are added,
    unmapped, so they are listed for an engineer."""
    heard = set()
    for unit in units:
        heard.update((NameMapping.Kind.TEST, name) for name in unit.tests)
        heard.update((NameMapping.Kind.MEASUREMENT, m.name) for m in unit.measurements)
        heard.update((NameMapping.Kind.SYMPTOM, code) for code in unit.codes)
    known = {
        (mapping.kind, mapping.name): mapping for mapping in endpoint.names.select_related("defect")
    }
    new = [
        NameMapping(endpoint=endpoint, kind=kind, name=name)
        for kind, name in sorted(heard - known.keys())
    ]
    if new:
        NameMapping.objects.bulk_create(new, ignore_conflicts=True)
        known = {(m.kind, m.name): m for m in endpoint.names.select_related("defect")}
    return known


def _tested_scan(unit, names):
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
    return _Scan(unit.usid, unit.result, defect, note, unit.measurements)


def _scan_all(envelope, station, scans, names):
    """Scan each unit at ``station``: ``(summary, refusal or None)``. A unit the rules refuse
    writes nothing (its scan receipt is rolled back too, so a replay can record it)."""
    snapshot = StationSnapshot.of(station)
    field_keys = {
        name: mapping.field_key
        for (kind, name), mapping in names.items()
        if kind == NameMapping.Kind.MEASUREMENT and mapping.field_key
    }
    lines, refusals = [], []
    for index, scan in enumerate(scans, start=1):
        if scan.result not in ("pass", "fail"):
            lines.append(f"{scan.usid}: OverallResult {scan.result}, nothing to record.")
            continue
        savepoint = transaction.savepoint()
        outcome = scan_record(
            usid=scan.usid,
            stage=station.stage,
            result=scan.result,
            defect=scan.defect,
            station=snapshot,
            source=ScanEvent.Source.CFX,
            scan_id=_scan_id(envelope.unique_id, index),
            note=scan.note,
        )
        if outcome.is_refused:
            transaction.savepoint_rollback(savepoint)
            refusals.append(f"{scan.usid}: {outcome.message}")
            continue
        transaction.savepoint_commit(savepoint)
        lines.append(outcome.message)
        data = stage_data_record(
            outcome=outcome,
            station=station,
            measurements=scan.measurements,
            field_keys=field_keys,
        )
        if data:
            lines.append(data)
    summary = " ".join(lines)
    if refusals:
        return summary, MessageRefused(" ".join(refusals))
    return summary, None


def _scan_id(unique_id, index):
    """The ``scan_id`` of the ``index``-th unit of a message: its UniqueID and the index, or a
    digest of them when that is too long or not printable ASCII."""
    scan_id = f"{unique_id}/{index}"
    if len(scan_id) <= SCAN_ID_MAX_LENGTH and scan_id.isascii() and scan_id.isprintable():
        return scan_id
    return f"cfx:{hashlib.sha256(unique_id.encode()).hexdigest()[:48]}/{index}"
