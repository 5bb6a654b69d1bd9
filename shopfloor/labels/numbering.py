"""Serial number patterns: how a part's USIDs are made from a date and a counter.

A pattern is literal text with tokens in braces, e.g. ``PWR-{YYMM}-{seq:05}``:

========== ==========================================================
``{YYYY}``  the year, four digits (2026)
``{YY}``    the year, two digits (26)
``{MM}``    the month, two digits (11)
``{DD}``    the day of the month, two digits (30)
``{YYMM}``  year and month, four digits (2611)
``{seq:0N}`` the counter, zero-padded to N digits (N from 1 to 12); exactly once
========== ==========================================================

Everything else is literal: printable ASCII without spaces, braces excluded.

The counter restarts at 1 when the period the pattern names changes, and only then: a
pattern with year, month and day restarts every day, with year and month every month, with
a year every year. A pattern without a year (``{MM}`` alone, or no date at all) never
restarts, since the same text would come back a year later. The counter belongs to the
pattern, not to the part: two parts sharing a pattern share its numbers, so no USID is
issued twice.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PATTERN_MAX_LENGTH = 100
SEQ_MAX_WIDTH = 12
DATE_TOKENS = {
    "YYYY": "%Y",
    "YY": "%y",
    "MM": "%m",
    "DD": "%d",
    "YYMM": "%y%m",
}
SUPPORTED = "{YYYY} {YY} {MM} {DD} {YYMM} {seq:0N}"
_TOKEN = re.compile(r"\{([^{}]*)\}")
_SEQ = re.compile(r"seq:0([1-9]|1[0-2])\Z")
_LITERAL = re.compile(r"[!-~]*\Z")  # printable ASCII, no space


@dataclass(frozen=True)
class SerialPattern:
    """A parsed pattern: literal text, date tokens and one counter of a fixed width."""

    text: str
    pieces: tuple  # ("text", literal) | ("date", strftime format) | ("seq", width)

    @property
    def width(self):
        return next(value for kind, value in self.pieces if kind == "seq")

    @property
    def capacity(self):
        """The highest counter value the pattern can write."""
        return 10**self.width - 1

    def period(self, day):
        """The key of the counter that ``day`` draws from: '' when it never restarts."""
        tokens = {value for kind, value in self.pieces if kind == "date"}
        has_year = tokens & {"%Y", "%y", "%y%m"}
        has_month = tokens & {"%m", "%y%m"}
        if not has_year:
            return ""
        if has_month and "%d" in tokens:
            return day.strftime("%Y%m%d")
        if has_month:
            return day.strftime("%Y%m")
        return day.strftime("%Y")

    def prefix_and_suffix(self, day):
        """The text before and after the counter on ``day``."""
        before, after, seen = [], [], False
        for kind, value in self.pieces:
            if kind == "seq":
                seen = True
                continue
            text = value if kind == "text" else day.strftime(value)
            (after if seen else before).append(text)
        return "".join(before), "".join(after)

    def usid(self, day, seq):
        before, after = self.prefix_and_suffix(day)
        return f"{before}{seq:0{self.width}d}{after}"


def pattern_parse(text):
    """Parse ``text`` into a ``SerialPattern``; ``ValidationError`` names what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationError(_("Give a pattern, e.g. PWR-{YYMM}-{seq:05}."), code="required")
    if len(text) > PATTERN_MAX_LENGTH:
        raise ValidationError(
            _("The pattern is %(length)s characters long; at most %(max)s.")
            % {"length": len(text), "max": PATTERN_MAX_LENGTH},
            code="too_long",
        )
    pieces, unknown, position = [], [], 0
    for match in _TOKEN.finditer(text):
        pieces.append(("text", text[position : match.start()]))
        name = match.group(1)
        if name in DATE_TOKENS:
            pieces.append(("date", DATE_TOKENS[name]))
        elif _SEQ.match(name):
            pieces.append(("seq", int(name[5:])))
        else:
            unknown.append(match.group(0))
        position = match.end()
    pieces.append(("text", text[position:]))
    if unknown:
        raise ValidationError(
            _("Unknown token %(unknown)s; the tokens are %(tokens)s (N from 1 to %(max)s).")
            % {"unknown": ", ".join(unknown), "tokens": SUPPORTED, "max": SEQ_MAX_WIDTH},
            code="unknown_token",
        )
    for kind, value in pieces:
        if kind == "text" and not _LITERAL.match(value):
            bad = next(char for char in value if not _LITERAL.match(char))
            where = _("a space") if bad == " " else repr(bad)
            raise ValidationError(
                _(
                    "The pattern contains %(what)s: literal text is printable ASCII without "
                    "spaces or braces."
                )
                % {"what": where},
                code="literal",
            )
    counters = sum(1 for kind, _value in pieces if kind == "seq")
    if counters != 1:
        raise ValidationError(
            _("The pattern needs exactly one counter {seq:0N}, e.g. {seq:05}; it has %(count)s.")
            % {"count": counters},
            code="counter",
        )
    pieces = tuple(piece for piece in pieces if piece != ("text", ""))
    return SerialPattern(text=text, pieces=pieces)
