"""A station device and the operator signed in at it.

A device is bound to its station by a signed, long-lived cookie that an engineer sets from the
station's screen (``device_bind``): signing out does not unbind it, so the device shows its
station's lock screen ("scan your badge") between operators. An operator's badge sign-in is
an ordinary Django session marked as a badge session of that station, with the time of its
last scan: past ``STATION_IDLE_LOCK_MINUTES`` without a scan the session is ended
(``StationOperatorMiddleware``), whatever the screen's JavaScript did.

The device cookie also carries its station's language (``"<pk>:<language>"``), so that a
device shows its station's language with no database read (``shopfloor.language_choice``).
Whenever a request of the device reads its station anyway and finds another language there, the
cookie is issued again with it (``device_language_refresh``).

Checking the cookie's signature (a key derivation and an HMAC) cost each of a device's scans
more than the rest of this module: a cookie whose signature held is remembered with what it
says, per secret key and fallbacks, so the same cookie sent again is only looked up. A forged
one is checked (and refused) every time.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from shopfloor.signed_memory import SignedMemory
from shopfloor.stations.models import Station

DEVICE_COOKIE = "sf_station_device"
DEVICE_SALT = "shopfloor.operators.station-device"
DEVICE_KEEP_SECONDS = 5 * 365 * 24 * 60 * 60
BADGE_SESSION = "operators.badge"
# When a password session on a bound device was last used (epoch seconds).
DEVICE_ACTIVITY = "operators.device_activity"
PENDING_PIN = "operators.pending_pin"
PIN_WAIT_SECONDS = 120
# The value of each cookie as sent whose signature held (``shopfloor.signed_memory``).
_cookies_checked = SignedMemory()


@dataclass(frozen=True)
class BadgeSession:
    station_id: int
    last_scan: float

    def is_idle_at(self, when):
        """Whether the session was idle at ``when`` (epoch seconds): a scan taken offline is
        judged by when it was taken, not by when its queue could send it."""
        return when - self.last_scan > idle_lock_seconds()


def idle_lock_seconds():
    return float(settings.STATION_IDLE_LOCK_MINUTES) * 60


def _device_cookie(request):
    """The device cookie as (station pk, language), or None when absent or forged. A cookie
    issued before stations had a language holds the pk only: its language is unknown (None).
    Its signature is checked once per request (the language and the station both read it)."""
    if not hasattr(request, "_device_cookie"):
        request._device_cookie = _device_cookie_read(request)
    return request._device_cookie


def _device_cookie_read(request):
    sent = request.COOKIES.get(DEVICE_COOKIE)
    if sent is None:
        return None
    value = _cookies_checked.get(sent)
    if value is None:
        try:
            value = request.get_signed_cookie(DEVICE_COOKIE, salt=DEVICE_SALT)
        except signing.BadSignature:
            return None
        _cookies_checked.keep(sent, value)
    pk, has_language, language = value.partition(":")
    if not pk.isdigit():
        return None
    return int(pk), (language if has_language else None)


def device_station(request):
    """The active station this device is bound to, or None."""
    cookie = _device_cookie(request)
    if cookie is None:
        return None
    station = Station.objects.filter(pk=cookie[0], is_active=True).first()
    if station is not None and station.language != cookie[1]:
        request.device_station_changed = station
    return station


def device_station_id(request):
    """The id of the station this device is bound to (read from its cookie alone), or None."""
    cookie = _device_cookie(request)
    return cookie[0] if cookie is not None else None


def device_language(request):
    """The language of the station this device is bound to, as its cookie says ("" if none)."""
    cookie = _device_cookie(request)
    return (cookie[1] or "") if cookie is not None else ""


def device_language_refresh(request, response):
    """Issue the device cookie again when its station's language was found changed, unless the
    response binds or unbinds the device itself."""
    station = getattr(request, "device_station_changed", None)
    if station is not None and DEVICE_COOKIE not in response.cookies:
        device_bind(response, request, station)


def device_activity_of(request):
    """When the password session on this bound device was last used, or None."""
    when = request.session.get(DEVICE_ACTIVITY)
    return when if isinstance(when, int | float) else None


def device_activity_touch(request, when):
    if when > (device_activity_of(request) or 0):
        request.session[DEVICE_ACTIVITY] = when


def device_bind(response, request, station):
    response.set_signed_cookie(
        DEVICE_COOKIE,
        f"{station.pk}:{station.language}",
        salt=DEVICE_SALT,
        max_age=DEVICE_KEEP_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )


def device_unbind(response):
    response.delete_cookie(DEVICE_COOKIE, samesite="Lax")


def badge_session_start(request, station):
    """Mark the (just signed-in) session as ``station``'s badge session."""
    request.session[BADGE_SESSION] = {"station": station.pk, "last_scan": time.time()}
    request.session.pop(PENDING_PIN, None)


def badge_session_of(request):
    data = request.session.get(BADGE_SESSION) if hasattr(request, "session") else None
    if not isinstance(data, dict):
        return None
    return BadgeSession(station_id=data.get("station"), last_scan=data.get("last_scan", 0))


def badge_session_touch(request, when):
    """A scan taken at ``when`` (epoch seconds) keeps the badge session open."""
    data = request.session.get(BADGE_SESSION)
    if isinstance(data, dict) and when > data.get("last_scan", 0):
        request.session[BADGE_SESSION] = {**data, "last_scan": when}


def scan_taken_at(request):
    """When the scan of ``request`` was taken: now, less the ``age_ms`` the scan screen sends
    (how long the scan waited in its queue; relative, so the device's clock does not matter)."""
    now = time.time()
    try:
        age = int(request.POST.get("age_ms", "0")) / 1000
    except ValueError:
        age = 0
    return now - min(max(age, 0), now)


def pin_wait_start(request, *, user, station, digest):
    """A badge that has a PIN was scanned: the next PIN typed at ``station`` is for it."""
    request.session[PENDING_PIN] = {
        "user": user.pk,
        "station": station.pk,
        "digest": digest,
        "at": time.time(),
    }


def pin_wait_of(request, station):
    """The badge waiting for its PIN at ``station`` as (user pk, digest), or None."""
    data = request.session.get(PENDING_PIN)
    if not isinstance(data, dict) or data.get("station") != station.pk:
        return None
    if time.time() - data.get("at", 0) > PIN_WAIT_SECONDS:
        return None
    return data["user"], data["digest"]


def pin_wait_end(request):
    request.session.pop(PENDING_PIN, None)
