"""Badge codes: what a code may hold, how it is kept, and how a scan names a badge.

A badge code is printable ASCII (what a keyboard-wedge scanner types), set by an admin and
printed on the operator's badge card. The database keeps only a keyed hash of it (HMAC-SHA256
with a key derived from ``SECRET_KEY``): the same code always gives the same digest, so the
account is found in one indexed lookup and two accounts cannot hold one code, but the code
cannot be read back. A card prints the code as ``BADGE:<code>`` so that the scan screen tells
a badge from a USID; the lock screen takes the code with or without that prefix.
"""

import re
import secrets

from django.core.exceptions import ValidationError
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

BADGE_PREFIX = "BADGE:"
CODE_MIN_LENGTH = 6
CODE_MAX_LENGTH = 64
PIN_PATTERN = re.compile(r"[0-9]{4,8}")
_PRINTABLE = re.compile(r"[\x21-\x7e]+")  # printable ASCII without the space
_DIGEST_SALT = "shopfloor.operators.badge-code"


def is_badge_card(text):
    """Whether a scanned text is a badge card (``BADGE:...``), whatever the letter case."""
    return str(text or "").strip()[: len(BADGE_PREFIX)].upper() == BADGE_PREFIX


def badge_code_clean(text, *, prefix_allowed=True):
    """The badge code in a scanned or typed ``text``; raises ValidationError naming what is
    wrong (never which account, if any, holds it)."""
    code = str(text or "").strip()
    if prefix_allowed and is_badge_card(code):
        code = code[len(BADGE_PREFIX) :]
    if not code:
        raise ValidationError(_("Scan a badge: nothing was read."), code="empty")
    if not _PRINTABLE.fullmatch(code):
        raise ValidationError(
            _(
                "This is not a badge: a badge code is printable ASCII letters, digits and "
                "signs, without spaces."
            ),
            code="not_printable",
        )
    if len(code) < CODE_MIN_LENGTH or len(code) > CODE_MAX_LENGTH:
        raise ValidationError(
            _("This is not a badge: a badge code has %(min)s to %(max)s characters.")
            % {"min": CODE_MIN_LENGTH, "max": CODE_MAX_LENGTH},
            code="length",
        )
    return code


def badge_code_for_issue(text):
    """A code an admin types for a badge: as ``badge_code_clean``, and not itself starting
    with the card prefix (the card adds it)."""
    if is_badge_card(text):
        raise ValidationError(
            _("Leave out %(prefix)s: the card adds it in front of the code.")
            % {"prefix": BADGE_PREFIX},
            code="prefix",
        )
    return badge_code_clean(text, prefix_allowed=False)


def badge_code_new():
    """A fresh random code, for an admin who does not type one: 12 characters a scanner reads
    without doubt (upper-case letters and digits)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def badge_digest(code):
    """The keyed hash the database keeps of ``code``."""
    return salted_hmac(_DIGEST_SALT, code, algorithm="sha256").hexdigest()


def badge_card_text(code):
    """What the badge card's barcode holds."""
    return BADGE_PREFIX + code


def pin_clean(text):
    pin = str(text or "").strip()
    if not PIN_PATTERN.fullmatch(pin):
        raise ValidationError(_("A PIN is 4 to 8 digits."), code="pin_format")
    return pin
