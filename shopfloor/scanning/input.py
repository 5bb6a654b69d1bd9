"""Cleaning what a scanner or an API client sends, the same way for the screen and the API.

A keyboard-wedge scanner types the code and then a suffix (Enter, sometimes Tab); that
surrounding whitespace is removed. Any other control character (e.g. GS, which GS1 barcodes
use as a separator) means the scanner is set up wrongly or the label is not a USID: the code is
refused with a message naming the character, never silently changed.

Unit identity: a USID or tag no. is printable ASCII (what Code 128, Code 39 and DataMatrix
labels carry in practice). An accent, another script's lookalike letter (Cyrillic EN for
Latin H), a combining mark or an invisible character would make a second unit that prints the
same as the first, so each is refused naming the character and its position. Letter case is
ignored by the USID index (``models.usid_key``). A part's procedure may also give the pattern
its new units' USIDs follow (``usid_pattern``), checked when a unit is registered.
"""

import functools
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from parts.unit_tables.naming import KEY_MAX_LENGTH as STAGE_KEY_MAX_LENGTH
from parts.unit_tables.naming import KEY_PATTERN as STAGE_KEY
from parts.unit_tables.naming import USID_MAX_LENGTH
from shopfloor.characters import character_name, first_refused
from shopfloor.stations.models import SCAN_ID_MAX_LENGTH

SCANNER_SUFFIX = " \t\r\n"
PRINTABLE_ASCII = re.compile(r"[ -~]*\Z")
# The names of the codes the messages below speak of, for the catalogs (they are translated
# when a message is made: a caller passes the English name).
CODE_LABELS = (
    gettext_noop("USID"),
    gettext_noop("tag no."),
    gettext_noop("part no."),
    gettext_noop("station"),
    gettext_noop("defect"),
    gettext_noop("scan_id"),
)


def code_clean(raw, *, label="USID", max_length=USID_MAX_LENGTH):
    """A scanned or sent code (USID, tag no., part no., station, defect) without the scanner's
    suffix.

    Raises ``ValidationError`` naming what is wrong: not text, empty or only whitespace, a
    control or format character or a lone surrogate (with its name and position), or longer
    than ``max_length`` characters (64 for USIDs and tag numbers).
    """
    if raw is None:
        raise ValidationError(_("Scan or type a %(label)s.") % {"label": _(label)}, code="required")
    if not isinstance(raw, str):
        raise ValidationError(_("The %(label)s must be text.") % {"label": _(label)}, code="type")
    value = raw.strip(SCANNER_SUFFIX)
    if not value:
        if raw:
            raise ValidationError(
                _("The %(label)s is only spaces or line breaks: scan the label again.")
                % {"label": _(label)},
                code="blank",
            )
        raise ValidationError(_("Scan or type a %(label)s.") % {"label": _(label)}, code="required")
    found = first_refused(value)
    if found is not None:
        position, name = found
        raise ValidationError(
            _(
                "The %(label)s contains the control character %(name)s at position "
                "%(position)s: check the scanner's settings or the label."
            )
            % {"label": _(label), "name": name, "position": position},
            code="control_character",
        )
    if len(value) > max_length:
        raise ValidationError(
            _("The %(label)s is %(length)s characters long; at most %(max)s are allowed.")
            % {"label": _(label), "length": len(value), "max": max_length},
            code="too_long",
        )
    return value


def ascii_check(value, *, label="USID"):
    """Raise ``ValidationError`` naming the first character of ``value`` that is not printable
    ASCII, and its 1-based position."""
    if PRINTABLE_ASCII.match(value):
        return
    for position, character in enumerate(value, start=1):
        if not " " <= character <= "~":
            raise ValidationError(
                _(
                    "The %(label)s holds %(character)s at position %(position)s: a %(label)s "
                    "is printable ASCII only (letters A-Z, digits, punctuation). Check the "
                    "label."
                )
                % {"label": _(label), "character": _shown(character), "position": position},
                code="not_ascii",
            )


def _shown(character):
    name = character_name(character)
    if first_refused(character) is None and not name.startswith("COMBINING"):
        return f"'{character}' (U+{ord(character):04X} {name})"
    return f"U+{ord(character):04X} {name}"


def usid_clean(raw, *, label="USID"):
    """A USID or tag no. as ``code_clean`` cleans it, refused unless it is printable ASCII."""
    value = code_clean(raw, label=label)
    ascii_check(value, label=label)
    return value


def scan_id_clean(raw):
    """The client's ``scan_id`` of a scan: 1 to 64 printable ASCII characters, e.g. a UUID."""
    if not isinstance(raw, str):
        raise ValidationError(_("The scan_id must be text, e.g. a UUID."), code="type")
    if not raw or len(raw) > SCAN_ID_MAX_LENGTH:
        raise ValidationError(
            _("The scan_id is 1 to %(max)s characters long, e.g. a UUID.")
            % {"max": SCAN_ID_MAX_LENGTH},
            code="length",
        )
    ascii_check(raw, label="scan_id")
    return raw


@functools.lru_cache(maxsize=512)
def usid_pattern_compiled(pattern):
    return re.compile(pattern)


def usid_pattern_check(usid, *, pattern, example, part_no):
    """Refuse a new unit's ``usid`` that does not match its part's ``usid_pattern`` in full,
    quoting the part's example (or else the pattern)."""
    if not pattern or usid_pattern_compiled(pattern).fullmatch(usid):
        return
    if example:
        message = _(
            "%(usid)s is not a USID of part %(part_no)s: its USIDs look like e.g. %(example)s."
        )
    else:
        message = _(
            "%(usid)s is not a USID of part %(part_no)s: its USIDs look like the pattern "
            "%(pattern)s."
        )
    raise ValidationError(
        message % {"usid": usid, "part_no": part_no, "example": example, "pattern": pattern},
        code="usid_pattern",
    )


def is_code(raw):
    """Whether ``raw`` is a code exactly as ``code_clean`` would return it."""
    try:
        return code_clean(raw) == raw
    except ValidationError:
        return False


def stage_clean(raw):
    """A stage key as sent, or ``ValidationError`` when it cannot be one."""
    if raw is not None and not isinstance(raw, str):
        raise ValidationError(_('The stage must be text, e.g. "qc".'), code="type")
    if not raw:
        raise ValidationError(_('Name the stage, e.g. "qc".'), code="required")
    if len(raw) > STAGE_KEY_MAX_LENGTH or not STAGE_KEY.fullmatch(raw):
        raise ValidationError(
            _(
                "%(text)s is not a stage key (lowercase letters, digits and underscores, at "
                "most %(max)s characters)."
            )
            % {"text": repr(raw[:40]), "max": STAGE_KEY_MAX_LENGTH},
            code="stage_key",
        )
    return raw
