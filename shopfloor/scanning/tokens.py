"""Bearer tokens of the scan API: how they look, how they are stored and checked.

A token is ``sf_`` followed by 43 random URL-safe characters. Only its SHA-256 is stored (a
slow password hash would add nothing for a 256-bit random secret and would cost every scan).
Checking a token is cached in the process for ``CACHE_SECONDS`` so that a scan does not pay a
database round trip for it; a revoked or rotated token therefore stops working in every server
process within that time (at once in the process that revoked it). ``last_used_at`` is written
at most once a minute per token and process.
"""

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from shopfloor.scanning.rules import StationSnapshot
from shopfloor.stations.models import ApiToken

TOKEN_PREFIX = "sf_"
CACHE_SECONDS = 15
LAST_USED_EVERY = timedelta(minutes=1)
LAST_USED_EVERY_SECONDS = LAST_USED_EVERY.total_seconds()
MAX_TOKEN_LENGTH = 200


def token_generate():
    """A new random token, shown once to whoever issues it."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(raw):
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


class TokenRefused(Exception):
    """The request's token is missing or not valid; ``code`` says which."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class TokenHolder:
    """What a scan needs to know about a valid token, cached between requests."""

    id: int
    name: str
    station: StationSnapshot | None
    stages: frozenset
    may_read: bool = False

    def may_scan(self, stage):
        if self.station is not None:
            return stage == self.station.stage
        return not self.stages or stage in self.stages


_cache = {}
_cache_lock = threading.Lock()
_last_used_written = {}


def token_cache_clear():
    with _cache_lock:
        _cache.clear()
        _last_used_written.clear()


def token_from_header(header):
    """The raw token of an ``Authorization: Bearer <token>`` header, or TokenRefused."""
    if not header:
        raise TokenRefused(
            "token_missing", _("Send the station's token as 'Authorization: Bearer'.")
        )
    scheme, _space, raw = header.partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw:
        raise TokenRefused(
            "token_missing", _("Send the station's token as 'Authorization: Bearer'.")
        )
    if len(raw) > MAX_TOKEN_LENGTH or not raw.isascii():
        raise TokenRefused("token_invalid", _("The token is not valid."))
    return raw


def token_authenticate(raw):
    """The TokenHolder of a raw token, or TokenRefused when it is unknown or revoked."""
    digest = token_hash(raw)
    now = time.monotonic()
    cached = _cache.get(digest)
    if cached is not None and cached[1] > now:
        holder = cached[0]
    else:
        token = ApiToken.objects.filter(key_hash=digest, is_revoked=False).first()
        if token is None:
            with _cache_lock:
                _cache.pop(digest, None)
            raise TokenRefused("token_invalid", _("The token is not valid or has been revoked."))
        holder = TokenHolder(
            id=token.pk,
            name=token.name,
            station=StationSnapshot.read(token.station_id) if token.station_id else None,
            stages=frozenset(token.stage_list),
            may_read=token.may_read,
        )
        with _cache_lock:
            _cache[digest] = (holder, now + CACHE_SECONDS)
    _note_last_used(holder.id, now)
    return holder


def _note_last_used(token_id, now):
    """Write when the token was used, at most once every ``LAST_USED_EVERY`` (``now`` and the
    times kept are ``time.monotonic``'s: a scan in between reads no clock again)."""
    written = _last_used_written.get(token_id)
    if written is not None and now - written < LAST_USED_EVERY_SECONDS:
        return
    _last_used_written[token_id] = now
    ApiToken.objects.filter(pk=token_id).update(last_used_at=timezone.now())
