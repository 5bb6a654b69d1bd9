"""Cleaning what a scanner or an API client sends, the same way for the screen and the API.

A keyboard-wedge scanner types the code and then a suffix (Enter, sometimes Tab); that
surrounding whitespace is removed. Any other control character (e.g. GS, which GS1 barcodes
use as a separator) means the scanner is set up wrongly or the label is not a USID: the code is
refused with a message naming the character, never silently changed.
"""

from django.core.exceptions import ValidationError

from parts.unit_tables.naming import KEY_MAX_LENGTH as STAGE_KEY_MAX_LENGTH
from parts.unit_tables.naming import KEY_PATTERN as STAGE_KEY
from parts.unit_tables.naming import USID_MAX_LENGTH
from shopfloor.characters import first_refused

SCANNER_SUFFIX = " \t\r\n"


def code_clean(raw, *, label="USID", max_length=USID_MAX_LENGTH):
    """A scanned or sent code (USID, tag no., part no., station, defect) without the scanner's
    suffix.

    Raises ``ValidationError`` naming what is wrong: not text, empty or only whitespace, a
    control or format character or a lone surrogate (with its name and position), or longer
    than ``max_length`` characters (64 for USIDs and tag numbers).
    """
    if raw is None:
        raise ValidationError(f"Scan or type a {label}.", code="required")
    if not isinstance(raw, str):
        raise ValidationError(f"The {label} must be text.", code="type")
    value = raw.strip(SCANNER_SUFFIX)
    if not value:
        if raw:
            raise ValidationError(
                f"The {label} is only spaces or line breaks: scan the label again.",
                code="blank",
            )
        raise ValidationError(f"Scan or type a {label}.", code="required")
    found = first_refused(value)
    if found is not None:
        position, name = found
        raise ValidationError(
            f"The {label} contains the control character {name} "
            f"at position {position}: check the scanner's settings or the label.",
            code="control_character",
        )
    if len(value) > max_length:
        raise ValidationError(
            f"The {label} is {len(value)} characters long; at most {max_length} are allowed.",
            code="too_long",
        )
    return value


def is_code(raw):
    """Whether ``raw`` is a code exactly as ``code_clean`` would return it."""
    try:
        return code_clean(raw) == raw
    except ValidationError:
        return False


def stage_clean(raw):
    """A stage key as sent, or ``ValidationError`` when it cannot be one."""
    if raw is not None and not isinstance(raw, str):
        raise ValidationError('The stage must be text, e.g. "qc".', code="type")
    if not raw:
        raise ValidationError('Name the stage, e.g. "qc".', code="required")
    if len(raw) > STAGE_KEY_MAX_LENGTH or not STAGE_KEY.fullmatch(raw):
        raise ValidationError(
            f"{raw[:40]!r} is not a stage key (lowercase letters, digits and underscores, "
            f"at most {STAGE_KEY_MAX_LENGTH} characters).",
            code="stage_key",
        )
    return raw
