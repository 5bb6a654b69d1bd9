"""Writes of the operators app: issuing badges and PINs, signing in by badge, qualifications."""

import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parts.models import ModelPart
from shopfloor.operators.badges import badge_code_clean, badge_code_for_issue, badge_digest
from shopfloor.operators.models import OperatorBadge, Qualification, QualificationRule
from shopfloor.operators.throttling import (
    badge_failure_record,
    badge_failures_clear,
    badge_paused,
)
from shopfloor.scanning.input import is_code, stage_clean
from shopfloor.stations.models import UnitRegistration

SCAN_PERMISSION = "stations.scan_unit"


def _not_a_badge():
    return _("This badge is not known or not in use. Ask your supervisor.")


class BadgeRefused(Exception):
    """A badge or PIN refused: ``message`` names no account."""

    def __init__(self, message, code):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class BadgeAccepted:
    """A badge that signs ``user`` in, or that waits for its PIN (``needs_pin``)."""

    user: object
    digest: str
    needs_pin: bool = False


def badge_issue(*, user, code, issued_by):
    """Give ``user`` the badge ``code`` (replacing any earlier badge, whose card stops working).

    Returns the OperatorBadge. Raises ValidationError when the code is not a badge code or
    another account holds it (the message does not say which)."""
    code = badge_code_for_issue(code)
    digest = badge_digest(code)
    try:
        with transaction.atomic():
            badge, _created = OperatorBadge.objects.select_for_update().get_or_create(user=user)
            badge.code_digest = digest
            badge.issued_at = timezone.now()
            badge.issued_by = issued_by
            badge.save()
    except IntegrityError:
        raise ValidationError(
            _("This badge code is already in use: choose another one."), code="taken"
        ) from None
    return badge


def badge_withdraw(*, user):
    """The account's badge stops working (its PIN is kept for a new badge)."""
    OperatorBadge.objects.filter(user=user).update(code_digest=None, issued_at=None)


def badge_pin_set(*, user, pin):
    """Set (``pin``) or clear (empty) the PIN asked after the account's badge."""
    badge, _created = OperatorBadge.objects.get_or_create(user=user)
    badge.pin = make_password(pin) if pin else ""
    badge.save(update_fields=["pin"])
    return badge


def badge_policy_set(*, user, opens_all_pages):
    badge, _created = OperatorBadge.objects.get_or_create(user=user)
    badge.opens_all_pages = opens_all_pages
    badge.save(update_fields=["opens_all_pages"])
    return badge


def badge_check(*, station, text):
    """The account whose badge ``text`` is, for sign-in at ``station``.

    Returns BadgeAccepted (``needs_pin`` when the account has a PIN); raises BadgeRefused for
    an unknown badge, a badge of a disabled account or of an account that may not scan, a
    text that is not a badge code, a station or badge paused by the throttle, or an operator
    not qualified for the station. Every refusal but the last counts as a guess."""
    try:
        code = badge_code_clean(text)
    except ValidationError as error:
        _refuse_guess(station, "", error.messages[0], "not_a_badge")
    digest = badge_digest(code)
    _refuse_if_paused(station, digest)
    badge = (
        OperatorBadge.objects.select_related("user")
        .filter(code_digest=digest, user__is_active=True)
        .first()
    )
    if badge is None or not badge.user.has_perm(SCAN_PERMISSION):
        _refuse_guess(station, digest, _not_a_badge(), "unknown_badge")
    refusal = station_qualification_refusal(station=station, user=badge.user)
    if refusal:
        raise BadgeRefused(refusal, "not_qualified")
    if badge.has_pin:
        return BadgeAccepted(user=badge.user, digest=digest, needs_pin=True)
    badge_failures_clear(digest=digest)
    return BadgeAccepted(user=badge.user, digest=digest)


def badge_pin_check(*, station, user_pk, digest, pin):
    """The account waiting for its PIN at ``station``, once ``pin`` is right; raises
    BadgeRefused (a wrong PIN counts as a guess at the station and for the badge)."""
    _refuse_if_paused(station, digest)
    badge = (
        OperatorBadge.objects.select_related("user")
        .filter(user_id=user_pk, code_digest=digest, user__is_active=True)
        .first()
    )
    if badge is None:
        raise BadgeRefused(_not_a_badge(), "unknown_badge")
    if not pin or not badge.has_pin or not check_password(str(pin), badge.pin):
        _refuse_guess(station, digest, _("Wrong PIN: scan the badge and try again."), "wrong_pin")
    badge_failures_clear(digest=digest)
    return badge.user


def _refuse_if_paused(station, digest):
    if badge_paused(station=station, digest=digest):
        badge_failure_record(station=station, digest=digest)
        minutes = settings.SIGN_IN_LOCKOUT_MINUTES
        message = _(
            "Badge sign-in is paused at this station after too many refused badges or PINs. "
            "Wait %(minutes)s minutes, or ask a supervisor to sign in with email and password."
        ) % {"minutes": minutes}
        raise BadgeRefused(message, "paused")


def _refuse_guess(station, digest, message, code):
    badge_failure_record(station=station, digest=digest)
    raise BadgeRefused(message, code)


# Qualifications ------------------------------------------------------------------------------


def _not_qualified(what):
    return _(
        "Not qualified for %(what)s, or the qualification has expired: ask your supervisor. "
        "Nothing was recorded."
    ) % {"what": what}


def station_qualification_refusal(*, station, user):
    """Why ``user`` may not work at ``station`` (a message), or None."""
    rule = QualificationRule.objects.filter(station_id=station.id).first()
    if rule is None or _holds(rule, user):
        return None
    return _not_qualified(_("station %(name)s") % {"name": station.name})


def stage_qualification_refusal(*, station, user, part_id):
    """Why ``user`` may not record ``station``'s stage on a unit of part ``part_id``, or None.
    Checks the station's own rule too: a qualification may expire during a shift."""
    refusal = station_qualification_refusal(station=station, user=user)
    if refusal:
        return refusal
    return _stage_refusal(stage=station.stage, user=user, part_id=part_id)


def _stage_refusal(*, stage, user, part_id):
    if part_id is None:
        return None
    rule = (
        QualificationRule.objects.select_related("part")
        .filter(part_id=part_id, stage=stage)
        .first()
    )
    if rule is None or _holds(rule, user):
        return None
    return _not_qualified(
        _("stage %(stage)s of %(part)s") % {"stage": rule.stage, "part": rule.part.part_no}
    )


def scan_qualification_refusal(*, station, user, usid, part_no):
    """Why ``user`` may not record the scan of ``usid`` at ``station`` (a message), or None.
    The unit's part is the registered one, or for a unit not registered yet the part the
    scan names (or the station's only part)."""
    if not station.qualification_limited:  # read with the station (scanning.sql.station_row)
        return None
    return stage_qualification_refusal(
        station=station, user=user, part_id=_part_of(usid, part_no, station.part_ids)
    )


def _part_of(usid, part_no, station_part_ids=()):
    """The id of the part a scan of ``usid`` is for: the registered unit's, else the part the
    scan names, else the station's only part; None when none is known."""
    registration = UnitRegistration.objects.find(usid) if is_code(usid) else None
    if registration is not None:
        return registration.part_id
    if is_code(part_no):
        return ModelPart.objects.filter(part_no=part_no).values_list("pk", flat=True).first()
    part_ids = sorted(station_part_ids)[:2]
    return part_ids[0] if len(part_ids) == 1 else None


def operator_find(*, email):
    """The active account that signs in as ``email`` (any letter case), or None."""
    return get_user_model().objects.filter(email__iexact=email.strip(), is_active=True).first()


def api_scan_qualification_refusal(*, station, stage, operator, usid, part_no):
    """Why the API scan of ``usid`` at ``stage`` (at ``station``, a ``StationSnapshot`` or
    None), made by ``operator`` (a person or None), may not be recorded: ``(code, message)``,
    or None. A station no rule limits costs nothing here (the snapshot says so); a scan
    without a station is limited by the rules of its stage. At a limited station or stage a
    scan must name its operator: a machine's token does not stand in for a qualified person."""
    if station is not None:
        if not station.qualification_limited:
            return None
    elif (
        not _is_stage_key(stage)
        or stage not in limited_stages()
        or not QualificationRule.objects.filter(stage=stage).exists()
    ):
        return None  # a stage that is no key is refused by the scan rules, naming it
    if operator is None:
        return (
            "operator_required",
            _(
                "Scans at %(where)s are limited to qualified operators: name the operator "
                '("operator": their sign-in email) with the scan. Nothing was recorded.'
            )
            % {"where": station.name if station is not None else stage},
        )
    if station is not None:
        refusal = scan_qualification_refusal(
            station=station, user=operator, usid=usid, part_no=part_no or None
        )
    else:
        refusal = _stage_refusal(stage=stage, user=operator, part_id=_part_of(usid, part_no))
    return ("not_qualified", refusal) if refusal else None


# The stage keys some rule limits, kept in the process like the API tokens (and as long), so
# that a scan through a token without a station pays no query where no rule limits its stage.
# A rule made or removed in this process applies at once (the model's signals forget the set),
# in other processes within LIMITED_STAGES_SECONDS. Only "no rule" is taken from the set: a
# stage in it is looked up again, so a rule removed elsewhere never refuses a scan.
LIMITED_STAGES_SECONDS = 15
_limited_stages = {"until": 0.0, "stages": frozenset()}


def limited_stages():
    now = time.monotonic()
    if now >= _limited_stages["until"]:
        stages = QualificationRule.objects.exclude(stage="").values_list("stage", flat=True)
        _limited_stages["stages"] = frozenset(stages)
        _limited_stages["until"] = now + LIMITED_STAGES_SECONDS
    return _limited_stages["stages"]


def limited_stages_forget(**_kwargs):
    _limited_stages["until"] = 0.0


def _is_stage_key(stage):
    try:
        stage_clean(stage)
    except ValidationError:
        return False
    return True


def _holds(rule, user):
    return Qualification.objects.valid().filter(rule=rule, user=user).exists()


def qualification_grant(*, user, rule, expires_on, granted_by):
    """Qualify ``user`` for ``rule`` until ``expires_on`` (renewing an earlier grant)."""
    if expires_on < timezone.localdate():
        raise ValidationError(_("The expiry date has passed."), code="expired")
    qualification, _created = Qualification.objects.update_or_create(
        user=user, rule=rule, defaults={"expires_on": expires_on, "granted_by": granted_by}
    )
    return qualification
