"""Line TV display links: a read-only token in the URL opens the TV view without a sign-in.

A token is ``tv_`` followed by 43 random URL-safe characters; only its SHA-256 is stored (a
slow password hash adds nothing for a 256-bit random secret). The token is no session: it
signs nobody in and opens only the TV view (``tv_views.line_tv``). Revoking it refuses the
next refresh of every screen that uses it.
"""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from shopfloor.dashboards.models import DisplayToken

TOKEN_PREFIX = "tv_"
MAX_TOKEN_LENGTH = 100
LAST_USED_EVERY = timedelta(minutes=1)


def _hash(raw):
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def display_token_issue(*, name, page_seconds, user):
    """Create a display link; return the token and the secret, which is shown only now."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = DisplayToken(name=name, page_seconds=page_seconds, created_by=user, key_hash=_hash(raw))
    token.full_clean()
    token.save()
    return token, raw


def display_token_revoke(*, token, user):
    """Revoke a display link for good; revoking it again changes nothing."""
    with transaction.atomic():
        token = DisplayToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.revoked_by = user
            token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def display_token_find(raw):
    """The active display link whose secret is ``raw``, or None. Notes when it was last
    used (at most once a minute), so the list shows which screens are still on."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > MAX_TOKEN_LENGTH:
        return None
    token = DisplayToken.objects.filter(key_hash=_hash(raw), revoked_at__isnull=True).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        DisplayToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
