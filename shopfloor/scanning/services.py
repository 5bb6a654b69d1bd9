"""Writes of the stations app: API tokens and the supervisor's actions on units."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shopfloor.characters import validate_printable
from shopfloor.scanning.input import is_code
from shopfloor.scanning.plans import plan_of_part
from shopfloor.scanning.rules import ScanRefused, invalid, supervisor_hold, unit_row_lock
from shopfloor.scanning.tokens import token_cache_clear, token_generate, token_hash
from shopfloor.stations.models import (
    REASON_MAX_LENGTH,
    ApiToken,
    DefectReason,
    ScanEvent,
    Station,
    UnitRegistration,
)


@transaction.atomic
def api_token_issue(*, name, stages=None, station=None, may_read=False, created_by=None):
    """Create the token of station or device ``name``, or rotate it; returns (token, secret).

    ``station``, or else a station of that name, binds the token to it: it may then scan only
    that station's stage. ``stages`` limits what a device token may scan; ``None`` or empty
    allows every stage. ``may_read`` lets it read units and part summaries. The old secret of
    a rotated token stops working. The secret is returned once and never stored.

    A name held by the live token of another station or device is refused (ValidationError):
    issuing a station's token never takes over a device's, nor the other way round.
    """
    secret = token_generate()
    token = ApiToken.objects.select_for_update().filter(name=name).first() or ApiToken(name=name)
    station = station or Station.objects.filter(name=name).first()
    if (
        not token._state.adding
        and not token.is_revoked
        and token.station_id != (station.pk if station else None)
    ):
        holder = (
            _("station %(name)s") % {"name": token.station.name} if token.station else _("a device")
        )
        raise ValidationError(
            _(
                "The name %(name)s is already the token of %(holder)s. Revoke that token first, "
                "or choose another name."
            )
            % {"name": name, "holder": holder},
            code="name_taken",
        )
    token.station = station
    token.stages = ",".join(stages or [])
    token.may_read = may_read
    token.key_prefix = secret[:8]
    token.key_hash = token_hash(secret)
    token.is_revoked = False
    token.revoked_at = None
    if token._state.adding:
        token.created_by = created_by
    token.full_clean()
    token.save()
    token_cache_clear()
    return token, secret


def api_token_revoke(*, token):
    """Revoke ``token``: it is refused at once in this process and within seconds in others."""
    token.is_revoked = True
    token.revoked_at = timezone.now()
    token.save(update_fields=["is_revoked", "revoked_at"])
    token_cache_clear()
    return token


def _reason_clean(reason):
    reason = (reason or "").strip()
    if not reason:
        raise invalid({"reason": _("Give a reason: it is kept in the unit's history.")})
    if len(reason) > REASON_MAX_LENGTH:
        raise invalid(
            {"reason": _("Keep the reason under %(max)s characters.") % {"max": REASON_MAX_LENGTH}}
        )
    try:
        validate_printable(reason)
    except ValidationError as error:
        raise invalid({"reason": " ".join(error.messages)}) from None
    return reason


def _unit_locked(usid):
    if not is_code(usid):
        raise ScanRefused(
            "unknown_unit", _("%(usid)s is not a registered USID.") % {"usid": repr(usid[:64])}
        )
    registration = UnitRegistration.objects.select_related("part__procedure").find(usid)
    plan = plan_of_part(registration.part) if registration else None
    row = unit_row_lock(plan, registration.usid) if plan else None
    if row is None:
        raise ScanRefused("unknown_unit", _("%(usid)s is not registered.") % {"usid": usid})
    return registration, plan, row


def _supervisor_event(*, registration, action, user, reason, stage="", result="", defect=None, now):
    return ScanEvent.objects.create(
        created_at=now,
        usid=registration.usid,
        part_id=registration.part_id,
        stage=stage,
        action=action,
        result=result,
        defect=defect,
        source=ScanEvent.Source.OVERRIDE,
        user=user,
        reason=reason,
    )


class EarlierPending(ScanRefused):
    """Marking a stage done over earlier stages still pending needs the supervisor's choice:
    mark them done too, or leave them pending on purpose. ``stages`` lists them."""

    def __init__(self, stage, stages, usid):
        names = ", ".join(earlier.label for earlier in stages)
        super().__init__(
            "earlier_pending",
            ngettext(
                "%(names)s is not done yet on %(usid)s. Choose whether to mark it done too, or "
                "to mark only %(stage)s done and leave it pending.",
                "%(names)s are not done yet on %(usid)s. Choose whether to mark them done too, "
                "or to mark only %(stage)s done and leave them pending.",
                len(stages),
            )
            % {"names": names, "usid": usid, "stage": stage.label},
            stages=[earlier.key for earlier in stages],
        )
        self.stages = stages


class Earlier:
    """What a supervisor chose for the pending stages before the one marked done."""

    ASK = ""
    MARK_TOO = "mark_too"
    LEAVE_PENDING = "leave_pending"


def _override_defect(defect):
    reason = DefectReason.objects.filter(code=defect or "", is_active=True).first()
    if reason is None:
        raise invalid({"defect": _("Choose the defect the unit failed with.")})
    return reason


@transaction.atomic
def unit_override(*, usid, stage, action, reason, user, earlier=Earlier.ASK, defect=None):
    """Mark ``stage`` of unit ``usid`` done or failed, or undo it, as a supervisor, with a
    reason; every change is written as an override event, so pages show it as one.

    Marking done over earlier non-optional stages not done yet is refused with
    ``EarlierPending`` unless ``earlier`` says what to do: ``Earlier.MARK_TOO`` marks them done
    as well (one override event each), ``Earlier.LEAVE_PENDING`` leaves them pending and names
    them in the event's reason. Marking failed needs a pass/fail stage and a ``defect`` code;
    the unit is then held for the fail, as after a failed scan. A unit whose only failed stage
    is marked done or undone is no longer held for it. Raises ``ScanRefused`` (nothing written)
    for a missing reason, an unknown unit, stage or defect, or an action with nothing to do.
    """
    reason = _reason_clean(reason)
    registration, plan, row = _unit_locked(usid)
    usid = registration.usid
    target = plan.stage(stage)
    if target is None:
        raise invalid(
            {
                "stage": _("Part %(part_no)s has no stage %(stage)s.")
                % {"part_no": registration.part.part_no, "stage": stage}
            }
        )
    now = timezone.now()
    marked = []  # (stage, result, defect, reason) of each override event to write
    if action == ScanEvent.Action.MARK_DONE:
        if row[target.flag]:
            raise ScanRefused(
                "already_done",
                _("%(stage)s of %(usid)s is already done.") % {"stage": target.label, "usid": usid},
            )
        pending = plan.missing_before(target, row)
        if pending and earlier not in (Earlier.MARK_TOO, Earlier.LEAVE_PENDING):
            raise EarlierPending(target, pending, usid)
        if pending and earlier == Earlier.MARK_TOO:
            note = f"{reason} (marked done with {target.label})"
            marked += [(stage_, ScanEvent.Result.PASS, None, note) for stage_ in pending]
        elif pending:
            names = ", ".join(stage_.label for stage_ in pending)
            reason = f"{reason} (left pending: {names})"
        marked.append((target, ScanEvent.Result.PASS, None, reason))
    elif action == ScanEvent.Action.MARK_FAIL:
        if not target.pass_fail:
            raise invalid(
                {
                    "action": _("%(stage)s has no pass or fail: it cannot fail.")
                    % {"stage": target.label}
                }
            )
        if not row[target.flag] and row.get(target.result) == ScanEvent.Result.FAIL:
            raise ScanRefused(
                "already_failed",
                _("%(stage)s of %(usid)s is already failed.")
                % {"stage": target.label, "usid": usid},
            )
        marked.append((target, ScanEvent.Result.FAIL, _override_defect(defect), reason))
    elif action == ScanEvent.Action.UNDO:
        if not row[target.flag] and not row.get(target.result):
            raise ScanRefused(
                "nothing_to_undo",
                _("%(stage)s of %(usid)s is not recorded.") % {"stage": target.label, "usid": usid},
            )
        marked.append((target, "", None, reason))
    else:
        raise invalid({"action": _("Choose mark done, mark failed or undo.")})
    changes = {}
    for stage_, result, _defect, _reason in marked:
        done = result == ScanEvent.Result.PASS
        changes |= {
            stage_.flag: done,
            stage_.at: now if result else None,
            stage_.by: user.pk if result else None,
        }
        if stage_.pass_fail:
            changes[stage_.result] = result or None
    failed = plan.failed_stages({**row, **changes})
    changes["on_hold"] = supervisor_hold(usid) is not None or bool(failed)
    plan.unit_model.objects.filter(pk=row["id"]).update(updated_at=now, **changes)
    events = [
        _supervisor_event(
            registration=registration,
            action=ScanEvent.Action.MARK_DONE if result == ScanEvent.Result.PASS else action,
            user=user,
            reason=note,
            stage=stage_.key,
            result=result,
            defect=defect_reason,
            now=now,
        )
        for stage_, result, defect_reason, note in marked
    ]
    return events[-1]


@transaction.atomic
def unit_hold(*, usid, reason, user):
    """Hold unit ``usid``: every scan of it is refused until a supervisor releases it."""
    reason = _reason_clean(reason)
    registration, plan, row = _unit_locked(usid)
    usid = registration.usid
    if supervisor_hold(usid) is not None:
        raise ScanRefused("already_held", _("%(usid)s is already on hold.") % {"usid": usid})
    now = timezone.now()
    plan.unit_model.objects.filter(pk=row["id"]).update(on_hold=True, updated_at=now)
    return _supervisor_event(
        registration=registration, action=ScanEvent.Action.HOLD, user=user, reason=reason, now=now
    )


@transaction.atomic
def unit_release(*, usid, reason, user):
    """Release a supervisor's hold on unit ``usid``.

    A unit that also failed a stage stays held for that until it is reworked and passes it
    (or a supervisor overrides the stage).
    """
    reason = _reason_clean(reason)
    registration, plan, row = _unit_locked(usid)
    usid = registration.usid
    if supervisor_hold(usid) is None:
        raise ScanRefused("not_held", _("%(usid)s is not held by a supervisor.") % {"usid": usid})
    now = timezone.now()
    on_hold = bool(plan.failed_stages(row))
    plan.unit_model.objects.filter(pk=row["id"]).update(on_hold=on_hold, updated_at=now)
    return _supervisor_event(
        registration=registration,
        action=ScanEvent.Action.RELEASE,
        user=user,
        reason=reason,
        now=now,
    )
