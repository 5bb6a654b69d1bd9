"""The scan rules: one service for the scan screen and the scan API.

``scan_record`` checks a scan against the unit's part and procedure and records it in one short
transaction: the unit row is locked, changed and an append-only ``ScanEvent`` written, both or
neither. It answers with a ``ScanOutcome``: recorded, already recorded (a repeat writes nothing),
or refused with a stable ``code`` and a reason in plain words. A refused scan writes nothing.

The rules:

- A USID belongs to exactly one part: the global index (``UnitRegistration``) says which,
  whatever the letter case it is scanned in; the unit keeps the USID as registered. The first
  scan of an unknown USID registers it, at a stage a new unit may start at (no non-optional
  stage before it), to the part the request or the station names, when it is printable ASCII
  and matches the part's ``usid_pattern``.
- A scan sent with a ``scan_id`` is answered once: a replay from the same token (or the same
  person at the same station) is given the first answer again and writes nothing
  (``ScanReceipt``).
- A stage is accepted only when every non-optional stage before it has passed.
- A repeat of what is recorded is "already recorded"; a different result for a recorded stage
  is refused (a supervisor can undo the stage).
- Pass/fail stages need a result; a fail needs a defect reason. A failed unit is on hold until
  it is reworked and passes that stage again; the history keeps both scans.
- A unit a supervisor holds is refused everywhere until released.

The common scan (a registered unit, not held, at a stage it has not recorded, no tag to pair)
is recorded by ``sql.record_first`` in one statement whose WHERE clause holds the
preconditions (and, when the unit's part is guessed from the scan's place, its registration to
that part: ``_record_guessed``); a new unit, once its part and stage are checked, by
``sql.register_first`` in one statement; everything else is decided here under a lock of the
unit row.
"""

import datetime
from dataclasses import dataclass, field, fields
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from parts.models import ModelPart
from shopfloor.genealogy.installing import (
    ComponentRefused,
    Parent,
    components_clean,
    components_record,
)
from shopfloor.scanning.input import (
    ascii_check,
    code_clean,
    scan_id_clean,
    stage_clean,
    usid_clean,
    usid_pattern_check,
)
from shopfloor.scanning.plans import part_plan
from shopfloor.scanning.refusals import ScanRefused, invalid
from shopfloor.scanning.sql import (
    defect_reason_find,
    part_row,
    receipt_write,
    record_first,
    register_first,
    registration_and_part_rows,
    registration_row,
    station_row,
)
from shopfloor.scanning.stage_data import (
    data_conflict_check,
    stage_data_clean,
    unique_values_guard,
)
from shopfloor.stations.models import (
    DefectReason,
    ScanEvent,
    ScanReceipt,
    UnitRegistration,
)
from shopfloor.stations.signals import unit_registered

RECORDED = "recorded"
ALREADY_RECORDED = "already_recorded"
REFUSED = "refused"
RESULTS = (ScanEvent.Result.PASS, ScanEvent.Result.FAIL)
PART_NO_MAX_LENGTH = ModelPart._meta.get_field("part_no").max_length


@dataclass(frozen=True)
class ScanOutcome:
    """What became of a scan: ``status`` recorded / already_recorded / refused, and why."""

    status: str
    code: str
    message: str
    usid: str = ""
    stage: str = ""
    part_no: str = ""
    result: str = ""
    event_id: int | None = None
    details: dict = field(default_factory=dict)

    @property
    def is_refused(self):
        return self.status == REFUSED

    def as_dict(self):
        """The outcome as the JSON a receipt keeps (``ScanOutcome(**kept)`` makes it again)."""
        return {name: getattr(self, name) for name in _OUTCOME_FIELDS}


_OUTCOME_FIELDS = tuple(each.name for each in fields(ScanOutcome))


@dataclass(frozen=True)
class StationSnapshot:
    """What a scan needs to know about the station it is made at."""

    id: int
    name: str
    stage: str
    part_ids: frozenset
    pairs_tag: bool
    is_active: bool
    # Whether a qualification rule limits the station or its stage (operators may be refused).
    qualification_limited: bool = True

    @classmethod
    def of(cls, station):
        return cls(
            id=station.pk,
            name=station.name,
            stage=station.stage,
            part_ids=frozenset(station.parts.values_list("pk", flat=True)),
            pairs_tag=station.pairs_tag,
            is_active=station.is_active,
        )

    @classmethod
    def read(cls, pk):
        """The station ``pk`` with its parts and whether a qualification rule limits it, read
        in one statement; None when there is no such station."""
        return cls.of_row(station_row(pk))

    @classmethod
    def of_row(cls, row):
        """The snapshot of ``row`` (``scanning.sql.station_row``'s answer), or None."""
        if row is None:
            return None
        pk, name, stage, pairs_tag, is_active, limited, part_ids = row
        return cls(
            id=pk,
            name=name,
            stage=stage,
            part_ids=part_ids,
            pairs_tag=pairs_tag,
            is_active=is_active,
            qualification_limited=limited,
        )


@dataclass(frozen=True)
class ScanContext:
    """Where, by whom and how a scan is made; it travels whole through the rules.

    ``station`` is a ``StationSnapshot`` or None, ``user`` the signed-in person (screen) or
    None, ``token`` the API ``TokenHolder`` or None; ``source`` is a ``ScanEvent.Source``.
    """

    source: str
    station: StationSnapshot | None = None
    user: object = None
    token: object = None


@dataclass(frozen=True)
class _Request:
    usid: str
    stage: str
    result: str
    part_no: str
    tag_no: str
    defect: DefectReason | None
    components: dict = field(default_factory=dict)
    data: object = None
    result_sent: bool = True
    stage_data: object = None  # a StageData once the stage's values are checked
    note: str = ""


def _with(value, **changes):
    """A copy of ``value`` (a ``_Request`` or ``ScanOutcome``: frozen, plain fields, no
    ``__post_init__``) with ``changes``, as ``dataclasses.replace`` makes it without reading the
    dataclass's fields and running ``__init__`` again: a scan makes two or three such copies."""
    copy = object.__new__(type(value))
    copy.__dict__.update(value.__dict__, **changes)
    return copy


@dataclass(frozen=True)
class _Registration:
    usid: str
    part_id: int
    part_no: str
    archived_at: object
    version: object
    fingerprint: str
    changing_since: object


def scan_record(
    *,
    usid,
    stage,
    source,
    result=None,
    station=None,
    user=None,
    token=None,
    part_no=None,
    tag_no=None,
    defect=None,
    scan_id=None,
    components=None,
    data=None,
    note="",
):
    """Record one scan of ``usid`` at ``stage``; returns a ``ScanOutcome`` (never raises for bad
    input). ``station`` is a ``StationSnapshot`` or None, ``user`` the signed-in person (screen),
    ``token`` the API ``TokenHolder``; ``source`` is a ``ScanEvent.Source``. With a ``scan_id``
    the answer is kept, and a replay of the same ``scan_id`` is given it again. ``data`` holds
    the values of the stage's unit fields (``shopfloor.scanning.stage_data``);
    ``components`` ({entry key: USID or lot code}) are installed with the scan (genealogy);
    ``note`` is kept on the scan event as its reason (a machine's own symptom codes, for one)."""
    context = ScanContext(source=source, station=station, user=user, token=token)
    scan = {
        "usid": usid,
        "stage": stage,
        "result": result,
        "part_no": part_no,
        "tag_no": tag_no,
        "defect": defect,
        "components": components,
        "data": data,
        "note": note,
    }
    if scan_id is None:
        return _scan_answer(context, **scan)
    try:
        scan_id = scan_id_clean(scan_id)
    except ValidationError as error:
        return _refused(invalid({"scan_id": " ".join(error.messages)}), usid, stage)
    if token is not None:
        scope = f"token:{token.id}"
    elif user is not None:
        scope = f"user:{user.pk}:station:{station.id}"
    else:  # a machine speaking for itself at its station
        scope = _machine_scope(source, station)
    try:
        answered = _scan_at_once(context, scope, scan_id, scan)
    except IntegrityError:
        # Sent before: its answer is kept (or being kept by a concurrent send of it).
        first_attempt = 1
    else:
        if answered is not None:
            return answered
        first_attempt = 0
    for attempt in range(first_attempt, 2):
        try:
            with transaction.atomic():
                if attempt:
                    kept = (
                        ScanReceipt.objects.filter(scope=scope, scan_id=scan_id)
                        .values_list("outcome", flat=True)
                        .first()
                    )
                    if kept is not None:
                        return ScanOutcome(**kept)
                outcome = _scan_answer(context, **scan)
                receipt_write(scope=scope, scan_id=scan_id, outcome=outcome.as_dict())
                return outcome
        except IntegrityError:
            # Most scans are sent once, so the receipt is not looked for first: a replay finds
            # it taken when it writes its own, and everything it did is rolled back with it.
            # The kept answer (of an earlier send, or one sent at the same moment) is this one's.
            if attempt:
                raise
    raise AssertionError("unreachable")


def _machine_scope(source, station):
    return f"{source}:station:{station.id}"


def machine_receipt_forget(*, source, station, scan_id):
    """Delete the kept answer of a machine's scan (``scan_id`` sent by ``source`` at
    ``station``), in the caller's transaction: a machine message whose only unit was refused
    keeps no answer, so that its replay after the fix records the unit."""
    ScanReceipt.objects.filter(
        scope=_machine_scope(source, station), scan_id=scan_id_clean(scan_id)
    ).delete()


def _scan_at_once(context, scope, scan_id, scan):
    """The common scan (a registered unit, no tag, no components, no unique value) recorded
    with its answer kept in one statement, outside any transaction; None when the scan is not
    that one or its preconditions do not hold: nothing was written then, and ``scan_record``
    decides the scan in full, under a lock. Raises ``IntegrityError`` (nothing written) when
    an answer to ``scan_id`` is kept already."""
    try:
        request = _request_of(context, **scan)
        outcome = _record_guessed(request, context, receipt=(scope, scan_id))
        if outcome is not None:
            return outcome
        found = registration_row(request.usid)
    except ScanRefused:
        return None
    if found is None:
        return None
    return _record_at_once(request, context, found, receipt=(scope, scan_id))


def _record_at_once(request, context, found, *, receipt=None, guessed_plan=None):
    """The common scan of the registered unit ``found`` (its ``registration_row``) recorded in
    one statement, with its answer kept when ``receipt`` (scope, scan_id) is given; None when
    the scan is not that one or its preconditions do not hold (nothing written then).

    ``guessed_plan``: ``found`` is the part the scan's place scanned last, not read, and this is
    its plan: the statement checks it, and a guess that is wrong, or whose cached plan no
    longer matches the part's table, writes nothing either."""
    try:
        request, registration, plan, stage = _registered_checked(
            request, context, found, guessed_plan
        )
    except ScanRefused:
        return None
    if request.tag_no or _installs(stage, request) or request.stage_data.unique:
        return None
    outcome = _recorded(request, stage, registration.part_no, None)
    how = {}
    if receipt is not None:
        how["receipt"] = (*receipt, outcome.as_dict())
    if guessed_plan is not None:
        how["registration"] = (registration.part_no, registration.version, registration.fingerprint)
        how["savepoint"] = True
    try:
        event_id = _record_first(request, context, plan, stage, **how)
    except DatabaseError as error:
        # A column of the guessed plan renamed or dropped since: the part is read instead.
        if guessed_plan is not None and not isinstance(error, IntegrityError):
            return None
        raise
    return None if event_id is None else _with(outcome, event_id=event_id)


# The part the last scan of a registered unit was of, by what the next scan's part is most
# likely known by (``_guess_key``), in this process: the next scan is first tried on it in one
# statement that checks it (``_record_guessed``), instead of reading the unit's part first.
_part_guesses = {}
PART_GUESSES_KEPT = 10_000


def _guess_key(request, context):
    """What a scan's part is most likely known by: the part it names (the scan screen's part
    choice names the part of new units only), else its station's only part, else where it is
    made (source, token and station)."""
    station, token = context.station, context.token
    if request.part_no and context.source != ScanEvent.Source.SCREEN:
        return ("part_no", request.part_no.casefold())
    if station is not None and len(station.part_ids) == 1:
        return ("part", next(iter(station.part_ids)))
    return ("place", context.source, token.id if token else None, station.id if station else None)


def _guess_keep(request, context, registration):
    """Remember ``registration``'s part (a ``_Registration``) as the guess for scans known by
    the same key as ``request``; a part archived or being changed is never guessed."""
    if registration.archived_at is not None or registration.changing_since is not None:
        return
    if len(_part_guesses) >= PART_GUESSES_KEPT:
        _part_guesses.clear()
    _part_guesses[_guess_key(request, context)] = (
        registration.part_id,
        registration.part_no,
        None,
        registration.version,
        registration.fingerprint,
        None,
    )


def part_guesses_forget():
    """Forget every guess (tests: ids repeat between them)."""
    _part_guesses.clear()


def _record_guessed(request, context, *, receipt=None):
    """The scan recorded in one statement on the part guessed for it (``_guess_key``); None
    when there is no guess, it is wrong or the scan is not the common one (nothing written)."""
    guess = _part_guesses.get(_guess_key(request, context))
    if guess is None:
        return None
    part_id, _part_no, _archived, version, fingerprint, _changing = guess
    plan = part_plan(part_id, version, fingerprint)
    stage = plan.stage(request.stage)
    if stage is not None and plan.registers_at(stage):
        # New units start at this stage: a scan there is most often a new unit's, not
        # worth a statement that would find no unit row (nor the checks before it).
        return None
    return _record_at_once(
        request, context, (request.usid, *guess), receipt=receipt, guessed_plan=plan
    )


def _request_of(
    context, *, usid, stage, result, part_no, tag_no, defect, components, data, note=""
):
    """The scan's request cleaned, and checked against the station and token it is made at."""
    request = _request_clean(
        usid,
        stage,
        result,
        part_no,
        tag_no,
        defect,
        components,
        data=data,
        result_sent=result not in (None, ""),
        note=note,
    )
    _check_place(request, context)
    return request


def _scan_answer(context, *, usid, stage, **scan):
    try:
        request = _request_of(context, usid=usid, stage=stage, **scan)
        for attempt in range(2):
            try:
                return _scan(request, context)
            except IntegrityError:
                # Another scan registered this USID a moment ago; the retry finds it registered.
                if attempt:
                    raise
        raise AssertionError("unreachable")
    except ScanRefused as refusal:
        return _refused(refusal, usid, stage)


def _refused(refusal, usid, stage):
    return ScanOutcome(
        status=REFUSED,
        code=refusal.code,
        message=refusal.message,
        usid=_echoed(usid),
        stage=_echoed(stage),
        details=refusal.details,
    )


def _echoed(text):
    """What a refusal repeats of the request: text a database can keep (a NUL character makes
    PostgreSQL refuse the kept answer of a ``scan_id``), else nothing."""
    return text if isinstance(text, str) and "\x00" not in text else ""


def _request_clean(usid, stage, result, part_no, tag_no, defect, components=None, **sent):
    """The scan's fields cleaned into a ``_Request`` (``sent``: its other fields as sent), or
    ``ScanRefused`` naming every field that is not valid."""
    errors = {}
    cleaned = {}
    for name, clean, raw in (
        ("usid", code_clean, usid),
        ("stage", stage_clean, stage),
        ("result", _result_clean, result),
        ("part_no", _part_no_clean, part_no),
        ("tag_no", _tag_no_clean, tag_no),
    ):
        try:
            cleaned[name] = clean(raw)
        except ValidationError as error:
            errors[name] = " ".join(error.messages)
    try:
        cleaned["defect"] = _defect_clean(defect, cleaned.get("result"))
    except ValidationError as error:
        errors["defect"] = " ".join(error.messages)
    try:
        cleaned["components"] = components_clean(components)
    except ComponentRefused as refusal:
        errors.update(refusal.fields)
    if errors:
        raise invalid(errors)
    return _Request(**cleaned, **sent)


def _result_clean(result):
    if result is None or result == "":
        return ScanEvent.Result.PASS
    if result not in RESULTS:
        raise ValidationError('The result is "pass" or "fail".', code="result")
    return result


def _tag_no_clean(tag_no):
    return usid_clean(tag_no, label="tag no.") if tag_no else ""


def _part_no_clean(part_no):
    if part_no is None or part_no == "":
        return ""
    return code_clean(part_no, label="part no.", max_length=PART_NO_MAX_LENGTH).strip()


def _defect_clean(defect, result):
    if defect is None or defect == "":
        if result == ScanEvent.Result.FAIL:
            raise ValidationError(_("A failed unit needs a defect reason."), code="required")
        return None
    if not isinstance(defect, str):
        raise ValidationError(_("The defect must be text, e.g. solder_bridge."), code="type")
    if result != ScanEvent.Result.FAIL:
        raise ValidationError(_("A defect reason goes only with a fail."), code="defect_on_pass")
    code = DefectReason._meta.get_field("code")
    defect = code_clean(defect, label="defect", max_length=code.max_length)
    reason = defect_reason_find(defect)
    if reason is None:
        raise ValidationError(
            _("%(defect)s is not a defect reason in the list.") % {"defect": repr(defect)},
            code="defect",
        )
    return reason


def _check_place(request, context):
    station, token = context.station, context.token
    if token is not None and not token.may_scan(request.stage):
        raise ScanRefused(
            "stage_not_allowed",
            _("The token of %(token)s may not scan the stage %(stage)s.")
            % {"token": token.name, "stage": request.stage},
        )
    if station is None:
        return
    if not station.is_active:
        raise ScanRefused(
            "station_inactive", _("Station %(station)s is not active.") % {"station": station.name}
        )
    if station.stage != request.stage:
        raise ScanRefused(
            "stage_not_allowed",
            _("Station %(station)s scans %(stage)s, not %(sent)s.")
            % {"station": station.name, "stage": station.stage, "sent": request.stage},
        )


def _scan(request, context):
    outcome = _record_guessed(request, context)
    if outcome is not None:
        return outcome
    if request.part_no:
        found, named_part = registration_and_part_rows(request.usid, request.part_no)
    else:
        found, named_part = registration_row(request.usid), None
    if found is None:
        if not request.tag_no:
            return _register(request, context, named_part)
        with transaction.atomic():  # the tag is checked free, then paired
            return _register(request, context, named_part)
    request, registration, plan, stage = _registered_checked(request, context, found)
    with unique_values_guard(plan, request.usid, request.stage_data.unique):
        return _scan_registered(request, context, plan, stage, registration)


def _registered_checked(request, context, found, plan=None):
    """(request, registration, plan, stage) of a scan of a registered unit (``found``: its
    ``registration_row``) once its part, station, stage, result and values are checked."""
    station = context.station
    registration = _Registration(*found)
    if registration.usid != request.usid:  # sent in another letter case
        request = _with(request, usid=registration.usid)
    # The scan screen's part choice names the part of new units only.
    names_part = request.part_no and context.source != ScanEvent.Source.SCREEN
    if names_part and request.part_no.casefold() != registration.part_no.casefold():
        raise ScanRefused(
            "other_part",
            _("%(usid)s belongs to part %(part_no)s, not %(sent)s.")
            % {"usid": request.usid, "part_no": registration.part_no, "sent": request.part_no},
            part_no=registration.part_no,
        )
    if station is not None and station.part_ids and registration.part_id not in station.part_ids:
        raise ScanRefused(
            "other_part",
            _("%(usid)s belongs to part %(part_no)s, which station %(station)s does not run.")
            % {"usid": request.usid, "part_no": registration.part_no, "station": station.name},
            part_no=registration.part_no,
        )
    plan, stage = _plan_and_stage(registration, request.stage, plan)
    _check_result(stage, request)
    _guess_keep(request, context, registration)
    return _with_stage_data(plan, stage, request), registration, plan, stage


def _with_stage_data(plan, stage, request):
    """The scan with its stage's values checked and its result derived from them."""
    found = stage_data_clean(
        plan,
        stage,
        data=request.data,
        result=request.result,
        result_sent=request.result_sent,
        defect=request.defect,
    )
    return _with(request, result=found.result, defect=found.defect, stage_data=found)


def _record_first(request, context, plan, stage, **how):
    """The scan's one-statement record (``sql.record_first``): the new event's id, or None
    when a precondition did not hold. ``how``: ``savepoint`` or ``receipt``."""
    now = timezone.now()
    return record_first(
        plan=plan,
        stage=stage,
        usid=request.usid,
        values={**_record_changes(stage, request, context.user, now), "updated_at": now},
        event=_event_values(request, plan.part_id, context, now),
        **how,
    )


def _scan_registered(request, context, plan, stage, registration):
    installs = _installs(stage, request)
    if not request.tag_no and not installs:
        event_id = _record_first(
            request, context, plan, stage, savepoint=bool(request.stage_data.unique)
        )
        if event_id is not None:
            return _recorded(request, stage, registration.part_no, event_id)
    with transaction.atomic():
        row = unit_row_lock(plan, request.usid)
        if row is None:
            raise ScanRefused(
                "unknown_unit",
                _(
                    "%(usid)s is registered to part %(part_no)s but missing from its unit "
                    "table: ask an engineer to check the part's unit table."
                )
                % {"usid": request.usid, "part_no": registration.part_no},
            )
        outcome = _apply(
            request, context, plan=plan, stage=stage, row=row, part_no=registration.part_no
        )
        if installs:
            _components_install(request, context, stage, plan, registration.part_no, outcome)
        return outcome


def _installs(stage, request):
    """True when the scan installs components (genealogy): the stage lists some, or the
    request sends some (refused by ``_components_install`` at a stage with none)."""
    return bool(stage.components or request.components)


def _components_install(request, context, stage, plan, part_no, outcome):
    """Check and install the scan's components in the scan's transaction; a refusal rolls
    the scan back."""
    try:
        components_record(
            parent=Parent(usid=request.usid, part_id=plan.part_id, part_no=part_no),
            stage=stage,
            sent=request.components,
            passed=request.result == ScanEvent.Result.PASS,
            user=context.user,
            event_id=outcome.event_id,
            now=timezone.now(),
        )
    except ComponentRefused as refusal:
        raise ScanRefused(refusal.code, refusal.message, fields=refusal.fields) from None


def _part_find(request, station, named_part=None):
    """The part a new unit is registered to; ``named_part`` is the ``part_row`` of the part
    the scan names, when read already."""
    if request.part_no:
        found = named_part or part_row(part_no=request.part_no)
        if found is None:
            raise ScanRefused(
                "unknown_part", _("There is no part %(part_no)s.") % {"part_no": request.part_no}
            )
        if station is not None and station.part_ids and found[0] not in station.part_ids:
            raise invalid(
                {
                    "part_no": _("Station %(station)s does not run %(part_no)s.")
                    % {"station": station.name, "part_no": request.part_no}
                }
            )
        return _Registration(request.usid, *found)
    if station is not None and len(station.part_ids) == 1:
        found = part_row(part_id=next(iter(station.part_ids)))
        if found is not None:
            return _Registration(request.usid, *found)
    if station and station.part_ids:
        message = _(
            "%(usid)s is not registered yet: name its part to register it (station "
            "%(station)s runs several)."
        ) % {"usid": request.usid, "station": station.name}
    else:
        message = _("%(usid)s is not registered yet: name its part to register it.") % {
            "usid": request.usid
        }
    raise ScanRefused("unknown_unit", message)


def _plan_and_stage(registration, stage_key, plan=None):
    """The plan of ``registration``'s part (``plan`` when worked out already) and its stage
    ``stage_key``, or ``ScanRefused`` when the part or the stage may not be scanned."""
    if registration.archived_at is not None:
        raise ScanRefused(
            "part_archived",
            _("Part %(part_no)s is archived: its units are no longer scanned.")
            % {"part_no": registration.part_no},
        )
    if _changing(registration.changing_since):
        raise ScanRefused(
            "procedure_changing",
            _("The procedure of part %(part_no)s is being changed; try again in a few seconds.")
            % {"part_no": registration.part_no},
            part_no=registration.part_no,
        )
    if registration.version is None or not registration.fingerprint:
        raise ScanRefused(
            "no_procedure",
            _("Part %(part_no)s has no procedure yet: nothing to scan.")
            % {"part_no": registration.part_no},
        )
    if plan is None:
        plan = part_plan(registration.part_id, registration.version, registration.fingerprint or "")
    stage = plan.stage(stage_key)
    if stage is None:
        if stage_key in plan.retired_stages:
            message = _("The stage %(stage)s was retired from part %(part_no)s.")
        else:
            message = _("Part %(part_no)s has no stage %(stage)s.")
        message %= {"stage": stage_key, "part_no": registration.part_no}
        raise invalid({"stage": message})
    return plan, stage


def _changing(since):
    """True while a job changes the part's table: its flag is set and renewed lately (a flag
    left by a worker that died is not obeyed past ``JOB_STALE_SECONDS``)."""
    if since is None:
        return False
    if isinstance(since, str):  # SQLite may hand the raw text back
        since = parse_datetime(since)
    if timezone.is_naive(since):  # stored in UTC
        since = timezone.make_aware(since, datetime.UTC)
    return timezone.now() - since < datetime.timedelta(seconds=settings.JOB_STALE_SECONDS)


def _check_result(stage, request):
    if request.result == ScanEvent.Result.FAIL and not stage.pass_fail:
        raise invalid(
            {
                "result": _("%(stage)s is only marked done: it has no pass or fail.")
                % {"stage": stage.label}
            }
        )


def _register(request, context, named_part=None):
    try:
        ascii_check(request.usid)
    except ValidationError as error:
        raise invalid({"usid": " ".join(error.messages)}) from None
    found = _part_find(request, context.station, named_part)
    plan, stage = _plan_and_stage(found, request.stage)
    _guess_keep(request, context, found)
    _check_result(stage, request)
    request = _with_stage_data(plan, stage, request)
    try:
        usid_pattern_check(
            request.usid,
            pattern=plan.usid_pattern,
            example=plan.usid_example,
            part_no=found.part_no,
        )
    except ValidationError as error:
        raise invalid({"usid": " ".join(error.messages)}) from None
    if not plan.registers_at(stage):
        starts = ", ".join(s.label for s in plan.registering_stages) or _("no stage")
        raise ScanRefused(
            "unknown_unit",
            _("%(usid)s is not registered: new units of %(part_no)s start at %(starts)s.")
            % {"usid": request.usid, "part_no": found.part_no, "starts": starts},
        )
    if request.tag_no:
        _check_tag_free(plan, request.usid, request.tag_no)
    if _installs(stage, request):
        with transaction.atomic():
            outcome = _register_write(request, context, plan, stage, found)
            _components_install(request, context, stage, plan, found.part_no, outcome)
            return outcome
    return _register_write(request, context, plan, stage, found)


def _register_write(request, context, plan, stage, found):
    now = timezone.now()
    with unique_values_guard(plan, request.usid, request.stage_data.unique):
        event_id = register_first(
            plan=plan,
            usid=request.usid,
            registered_at=now,
            values={
                "usid": request.usid,
                "tag_no": request.tag_no or None,
                **_record_changes(stage, request, context.user, now),
                "created_at": now,
                "updated_at": now,
            },
            event=_event_values(request, found.part_id, context, now),
        )
    transaction.on_commit(
        partial(
            unit_registered.send,
            sender=UnitRegistration,
            usid=request.usid,
            part_id=found.part_id,
            station_id=context.station.id if context.station else None,
        )
    )
    return _recorded(request, stage, found.part_no, event_id)


def unit_row_lock(plan, usid):
    """The unit row of ``usid`` as a dict of plan columns, locked until the transaction ends."""
    return (
        plan.unit_model.objects.select_for_update().filter(usid=usid).values(*plan.columns).first()
    )


def supervisor_hold(usid):
    """The hold event in force on ``usid`` (a hold not followed by a release), or None."""
    last = (
        ScanEvent.objects.filter(
            usid=usid, action__in=[ScanEvent.Action.HOLD, ScanEvent.Action.RELEASE]
        )
        .select_related("user")
        .order_by("-created_at", "-id")
        .first()
    )
    return last if last is not None and last.action == ScanEvent.Action.HOLD else None


def _apply(request, context, *, plan, stage, row, part_no):
    failed = plan.failed_stages(row)
    if row["on_hold"]:
        _check_hold(request, plan, stage, row, failed)
    if row[stage.flag] or (stage.pass_fail and row.get(stage.result) == "fail"):
        recorded_result = row.get(stage.result) or ScanEvent.Result.PASS
        if recorded_result == request.result:
            data_conflict_check(plan, stage, request.usid, request.stage_data, row)
            return _already(request, stage, part_no, row)
        if recorded_result == ScanEvent.Result.PASS:
            raise ScanRefused(
                "result_conflict",
                _("%(stage)s of %(usid)s is already recorded as a pass; a supervisor can undo it.")
                % {"stage": stage.label, "usid": request.usid},
            )
    missing = plan.missing_before(stage, row)
    if missing:
        names = ", ".join(s.label for s in missing)
        raise ScanRefused(
            "stage_order",
            _("%(usid)s cannot be recorded at %(stage)s: %(missing)s not done yet.")
            % {"usid": request.usid, "stage": stage.label, "missing": names},
            missing=[s.key for s in missing],
        )
    if request.tag_no and request.tag_no != row["tag_no"]:
        if row["tag_no"]:
            raise ScanRefused(
                "tag_conflict",
                _("%(usid)s is paired with tag %(tag_no)s, not %(sent)s.")
                % {"usid": request.usid, "tag_no": row["tag_no"], "sent": request.tag_no},
            )
        _check_tag_free(plan, request.usid, request.tag_no)
    now = timezone.now()
    changes = _record_changes(stage, request, context.user, now, failed=failed)
    if request.tag_no:
        changes["tag_no"] = request.tag_no
    plan.unit_model.objects.filter(pk=row["id"]).update(updated_at=now, **changes)
    event = _event_write(request, plan.part_id, context, now)
    return _recorded(request, stage, part_no, event)


def _check_hold(request, plan, stage, row, failed):
    hold = supervisor_hold(request.usid)
    if hold is not None:
        when = timezone.localtime(hold.created_at)
        raise ScanRefused(
            "on_hold",
            _("%(usid)s is on hold: %(reason)s (%(by)s, %(when)s).")
            % {
                "usid": request.usid,
                "reason": hold.reason,
                "by": hold.user or _("a supervisor"),
                "when": f"{when:%Y-%m-%d %H:%M}",
            },
            reason=hold.reason,
        )
    if failed and stage not in failed:
        names = ", ".join(s.label for s in failed)
        raise ScanRefused(
            "on_hold",
            _(
                "%(usid)s failed %(failed)s and is on hold until it is reworked and passes "
                "%(failed)s again."
            )
            % {"usid": request.usid, "failed": names},
            failed=[s.key for s in failed],
        )


def _record_changes(stage, request, user, now, failed=()):
    passed = request.result == ScanEvent.Result.PASS
    changes = {
        stage.flag: passed,
        stage.at: now,
        stage.by: user.pk if user is not None else None,
    }
    if stage.pass_fail:
        changes[stage.result] = request.result
    if request.stage_data is not None:
        changes.update(request.stage_data.columns)
    still_failed = [s for s in failed if s != stage]
    changes["on_hold"] = not passed or bool(still_failed)
    return changes


def _check_tag_free(plan, usid, tag_no):
    other = plan.unit_model.objects.filter(tag_no=tag_no).exclude(usid=usid)
    owner = other.values_list("usid", flat=True).first()
    if owner is not None:
        raise ScanRefused(
            "tag_conflict",
            _("Tag %(tag_no)s is already paired with %(usid)s.")
            % {"tag_no": tag_no, "usid": owner},
        )


def _event_values(request, part_id, context, now):
    station, user, token = context.station, context.user, context.token
    return {
        "created_at": now,
        "usid": request.usid,
        "part_id": part_id,
        "stage": request.stage,
        "action": ScanEvent.Action.SCAN,
        "result": request.result,
        "defect_id": request.defect.pk if request.defect else None,
        "source": context.source,
        "station_id": station.id if station else None,
        "user_id": user.pk if user is not None else None,
        "token_id": token.id if token else None,
        "tag_no": request.tag_no,
        "reason": request.note,
        "data": request.stage_data.event if request.stage_data is not None else None,
    }


def _event_write(request, part_id, context, now):
    event = ScanEvent.objects.create(**_event_values(request, part_id, context, now))
    return event.pk


def _recorded(request, stage, part_no, event_id):
    names = {"usid": request.usid, "stage": stage.label}
    if not stage.pass_fail:
        message = _("%(usid)s recorded at %(stage)s.") % names
    elif request.result == ScanEvent.Result.PASS:
        message = _("%(usid)s recorded at %(stage)s: pass.") % names
    elif request.defect:
        message = _("%(usid)s recorded at %(stage)s: fail (%(defect)s).") % {
            **names,
            "defect": request.defect.label,
        }
    else:
        message = _("%(usid)s recorded at %(stage)s: fail.") % names
    return ScanOutcome(
        status=RECORDED,
        code=RECORDED,
        message=message,
        usid=request.usid,
        stage=stage.key,
        part_no=part_no,
        result=request.result,
        event_id=event_id,
    )


def _already(request, stage, part_no, row):
    when = row.get(stage.at)
    names = {"usid": request.usid, "stage": stage.label}
    if when:
        message = _("%(usid)s was already recorded at %(stage)s at %(time)s: nothing changed.") % {
            **names,
            "time": f"{timezone.localtime(when):%H:%M}",
        }
    else:
        message = _("%(usid)s was already recorded at %(stage)s: nothing changed.") % names
    return ScanOutcome(
        status=ALREADY_RECORDED,
        code=ALREADY_RECORDED,
        message=message,
        usid=request.usid,
        stage=stage.key,
        part_no=part_no,
        result=request.result,
    )
