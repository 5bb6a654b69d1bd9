"""Writes of the stations app: API tokens and the supervisor's actions on units."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shopfloor.characters import validate_printable
from shopfloor.scanning.input import is_code
from shopfloor.scanning.plans import plan_of_part
from shopfloor.scanning.rules import ScanRefused, invalid, supervisor_hold, unit_row_lock
from shopfloor.scanning.tokens import token_cache_clear, token_generate, token_hash
from shopfloor.stations.models import (
    REASON_MAX_LENGTH,
    ApiToken,
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
        holder = f"station {token.station.name}" if token.station else "a device"
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
        raise invalid({"reason": "Give a reason: it is kept in the unit's history."})
    if len(reason) > REASON_MAX_LENGTH:
        raise invalid({"reason": f"Keep the reason under {REASON_MAX_LENGTH} characters."})
    try:
        validate_printable(reason)
    except ValidationError as error:
        raise invalid({"reason": " ".join(error.messages)}) from None
    return reason


def _unit_locked(usid):
    if not is_code(usid):
        raise ScanRefused("unknown_unit", f"{usid[:64]!r} is not a registered USID.")
    registration = UnitRegistration.objects.select_related("part__procedure").find(usid)
    plan = plan_of_part(registration.part) if registration else None
    row = unit_row_lock(plan, registration.usid) if plan else None
    if row is None:
        raise ScanRefused("unknown_unit", f"{usid} is not registered.")
    return registration, plan, row


def _supervisor_event(*, registration, action, user, reason, stage="", result="", now):
    return ScanEvent.objects.create(
        created_at=now,
        usid=registration.usid,
        part_id=registration.part_id,
        stage=stage,
        action=action,
        result=result,
        source=ScanEvent.Source.OVERRIDE,
        user=user,
        reason=reason,
    )


@transaction.atomic
def unit_override(*, usid, stage, action, reason, user):
    """Mark ``stage`` of unit ``usid`` done, or undo it, as a supervisor, with a reason.

    Stage order is not checked: that is what an override is for. The hold follows: a unit
    whose only failed stage is marked done or undone is no longer held for it. Raises
    ``ScanRefused`` (nothing written) for a missing reason, an unknown unit or stage, or an
    action with nothing to do.
    """
    reason = _reason_clean(reason)
    registration, plan, row = _unit_locked(usid)
    usid = registration.usid
    target = plan.stage(stage)
    if target is None:
        raise invalid({"stage": f"Part {registration.part.part_no} has no stage {stage}."})
    now = timezone.now()
    if action == ScanEvent.Action.MARK_DONE:
        if row[target.flag]:
            raise ScanRefused("already_done", f"{target.label} of {usid} is already done.")
        changes = {target.flag: True, target.at: now, target.by: user.pk}
        result = ScanEvent.Result.PASS
    elif action == ScanEvent.Action.UNDO:
        if not row[target.flag] and not row.get(target.result):
            raise ScanRefused("nothing_to_undo", f"{target.label} of {usid} is not recorded.")
        changes = {target.flag: False, target.at: None, target.by: None}
        result = ""
    else:
        raise invalid({"action": "Choose mark done or undo."})
    if target.pass_fail:
        changes[target.result] = result or None
    failed = plan.failed_stages({**row, **changes})
    changes["on_hold"] = supervisor_hold(usid) is not None or bool(failed)
    plan.unit_model.objects.filter(pk=row["id"]).update(updated_at=now, **changes)
    return _supervisor_event(
        registration=registration,
        action=action,
        user=user,
        reason=reason,
        stage=target.key,
        result=result,
        now=now,
    )


@transaction.atomic
def unit_hold(*, usid, reason, user):
    """Hold unit ``usid``: every scan of it is refused until a supervisor releases it."""
    reason = _reason_clean(reason)
    registration, plan, row = _unit_locked(usid)
    usid = registration.usid
    if supervisor_hold(usid) is not None:
        raise ScanRefused("already_held", f"{usid} is already on hold.")
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
        raise ScanRefused("not_held", f"{usid} is not held by a supervisor.")
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
