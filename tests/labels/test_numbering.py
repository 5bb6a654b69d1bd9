"""Serial number patterns: the tokens, the counter's width and when it restarts."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from shopfloor.labels.numbering import pattern_parse

NOV_30 = datetime.date(2026, 11, 30)


def refusal(text):
    with pytest.raises(ValidationError) as caught:
        pattern_parse(text)
    return caught.value.messages[0]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("PWR-{YYMM}-{seq:05}", "PWR-2611-00042"),
        ("{YYYY}{MM}{DD}/{seq:03}", "20261130/042"),
        ("B{YY}-{seq:02}", "B26-42"),
        ("LOT-{seq:06}-X", "LOT-000042-X"),
    ],
)
def test_every_token_writes_its_part_of_the_usid(pattern, expected):
    assert pattern_parse(pattern).usid(NOV_30, 42) == expected


def test_an_unknown_token_is_refused_naming_it_and_the_supported_ones():
    message = refusal("PWR-{YYWW}-{seq:05}-{LINE}")

    assert "{YYWW}, {LINE}" in message
    assert "{YYYY} {YY} {MM} {DD} {YYMM} {seq:0N}" in message


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("PWR-{YYMM}", "exactly one counter"),
        ("{seq:02}-{seq:03}", "exactly one counter"),
        ("PWR {seq:03}", "a space"),
        ("PWR-{seq:13}", "Unknown token {seq:13}"),
        ("PWR-É-{seq:03}", "'É'"),
        ("", "Give a pattern"),
    ],
)
def test_a_pattern_without_one_counter_or_with_odd_text_is_refused(pattern, expected):
    assert expected in refusal(pattern)


@pytest.mark.parametrize(
    ("pattern", "period"),
    [
        ("PWR-{YYMM}-{seq:05}", "202611"),
        ("{YY}{MM}{DD}{seq:03}", "20261130"),
        ("{YYYY}-{seq:04}", "2026"),
        ("{YY}-{DD}-{seq:04}", "2026"),  # no month: the day alone cannot restart the counter
        ("{MM}-{seq:04}", ""),  # no year: the same month comes back next year
        ("PWR-{seq:05}", ""),
    ],
)
def test_the_counter_restarts_only_with_a_period_the_pattern_names_in_full(pattern, period):
    assert pattern_parse(pattern).period(NOV_30) == period


def test_the_counter_holds_as_many_numbers_as_its_digits():
    assert pattern_parse("PWR-{seq:03}").capacity == 999
