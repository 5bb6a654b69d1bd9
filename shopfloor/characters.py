"""Characters a name or code typed, scanned or sent to Shopfloor may not hold.

Part numbers, model numbers, station names, USIDs and tag numbers are read off labels, typed
and scanned, compared and printed. A control character (NUL, a line break, GS), an invisible
format character (a right-to-left override, a zero-width space), a lone surrogate or an odd
space (no-break, line separator) in one of them is a mistake or a trick: two names that look
the same would differ, and PostgreSQL refuses NUL outright. Such text is refused with a message
naming the character and where it is, never silently changed.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CHARACTER_NAMES = {
    "\x00": "NUL",
    "\x04": "EOT (end of transmission)",
    "\x09": "TAB",
    "\x0a": "LF (line feed)",
    "\x0d": "CR (carriage return)",
    "\x1d": "GS (group separator)",
    "\x1e": "RS (record separator)",
    "\x1f": "US (unit separator)",
    "\x7f": "DEL",
}


def character_name(character):
    name = CHARACTER_NAMES.get(character)
    if name is None:
        name = unicodedata.name(character, "") or f"U+{ord(character):04X}"
    return name


def is_refused(character):
    category = unicodedata.category(character)
    return category[0] == "C" or (category[0] == "Z" and character != " ")


def first_refused(text):
    """(1-based position, name) of the first refused character in ``text``, or None."""
    if text.isascii() and text.isprintable():
        # Printable ASCII holds no refused character (only space is an ASCII separator):
        # most codes are, and are passed without a look at each character.
        return None
    for position, character in enumerate(text, start=1):
        if is_refused(character):
            return position, character_name(character)
    return None


def validate_printable(value):
    """Django validator: ``value`` holds no control, format or odd space character."""
    found = first_refused(value)
    if found is not None:
        position, name = found
        raise ValidationError(
            _("Remove the character %(name)s at position %(position)s: it cannot be printed."),
            code="control_character",
            params={"name": name, "position": position},
        )
