"""Badge and PIN guessing is throttled the way sign-in with a password is.

The same limits as passwords (``SIGN_IN_FAILURE_LIMIT`` failures, ``SIGN_IN_LOCKOUT_MINUTES``
of pause; see ``shopfloor/accounts/throttling.py``), counted apart from them so that a
station's wrong scans never lock anyone's password sign-in: per station (whatever the badges
scanned there) and per badge (at whatever station). A refused try during a pause is counted
too, so a guesser who keeps going keeps the pause going; a good sign-in clears its badge's
count. Admins see the refusals, and lift a pause by deleting them, under *Refused badges*
in the admin.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from shopfloor.operators.models import BadgeFailure


def _window_start():
    return timezone.now() - timedelta(minutes=settings.SIGN_IN_LOCKOUT_MINUTES)


def badge_paused(*, station, digest):
    """Whether badge sign-in is paused for ``station`` or for the badge of ``digest``."""
    recent = BadgeFailure.objects.filter(at__gte=_window_start())
    limit = settings.SIGN_IN_FAILURE_LIMIT
    if recent.filter(station=station).count() >= limit:
        return True
    return bool(digest) and recent.filter(code_digest=digest).count() >= limit


def badge_failure_record(*, station, digest):
    BadgeFailure.objects.create(station=station, code_digest=digest or "")


def badge_failures_clear(*, digest):
    BadgeFailure.objects.filter(code_digest=digest).delete()
