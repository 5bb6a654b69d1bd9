"""Exports for people: column labels, names and words instead of stored values.

An export is written either raw (the stored columns and values, for programs: ``is_smd``,
``smd_by_id`` = 3, UTC-aware times) or for people (the default): each column named by a label
("SMD done", "SMD by", "SMD at"), people by name, times in the plant's time zone to the second,
flags and results as words. ``readable_columns`` maps each raw column to its label and a
function that turns a stored value into what a person reads; a column it does not know (a
part's own data fields, say) keeps its name and its value, so new kinds of column can be
exported before they are given labels here. Labels and words are in the language of the
person who asked for the export (the job carries it; ``export_jobs``); a raw export keeps the
stored names, whatever the language.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from parts.unit_tables.naming import (
    stage_at_column,
    stage_by_column,
    stage_flag_column,
    stage_result_column,
)
from shopfloor.stations.models import ScanEvent

YES, NO = gettext_lazy("Yes"), gettext_lazy("No")
RESULT_WORDS = dict(ScanEvent.Result.choices)
ACTION_WORDS = dict(ScanEvent.Action.choices)
SOURCE_WORDS = dict(ScanEvent.Source.choices)


@dataclass(frozen=True)
class Column:
    """A raw column (its name in the rows) with the label and value a person reads."""

    name: str
    label: str
    value: object  # a function: stored value -> shown value


def _as_is(value):
    return value


def _yes_no(value):
    if value is None:
        return ""
    return str(YES if value else NO)


def _local_time(value):
    """A naive date-time in the plant's time zone, to the second: what a spreadsheet shows."""
    if value is None:
        return None
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(microsecond=0, tzinfo=None)


def _word(words):
    return lambda value: str(words.get(value, value)) if value else ""


def user_names():
    """{user id: full name, else e-mail} of every person; read once per export."""
    return {
        pk: full_name or email
        for pk, full_name, email in get_user_model().objects.values_list("pk", "full_name", "email")
    }


def _stage_columns(plan):
    """{raw column: (label, kind)} of each stage's columns, current and retired."""
    columns = {}
    for stage in plan.stages:
        named = {"stage": stage.label}
        columns[stage_flag_column(stage.key)] = (_("%(stage)s done") % named, "flag")
        columns[stage_at_column(stage.key)] = (_("%(stage)s at") % named, "time")
        columns[stage_by_column(stage.key)] = (_("%(stage)s by") % named, "user")
        columns[stage_result_column(stage.key)] = (_("%(stage)s result") % named, "result")
    return columns


BASE_UNIT_LABELS = {
    "id": (gettext_lazy("No."), "as_is"),
    "usid": ("USID", "as_is"),
    "tag_no": (gettext_lazy("Tag"), "as_is"),
    "on_hold": (gettext_lazy("On hold"), "flag"),
    "created_at": (gettext_lazy("Registered at"), "time"),
    "updated_at": (gettext_lazy("Last changed at"), "time"),
}

EVENT_LABELS = {
    "id": (gettext_lazy("No."), "as_is"),
    "created_at": (gettext_lazy("When"), "time"),
    "usid": ("USID", "as_is"),
    "part__part_no": (gettext_lazy("Part"), "as_is"),
    "stage": (gettext_lazy("Stage"), "stage"),
    "action": (gettext_lazy("Action"), "action"),
    "result": (gettext_lazy("Result"), "result"),
    "defect__code": (gettext_lazy("Defect code"), "as_is"),
    "defect__label": (gettext_lazy("Defect"), "as_is"),
    "source": (gettext_lazy("Source"), "source"),
    "station__name": (gettext_lazy("Station"), "as_is"),
    "station__line": (gettext_lazy("Line"), "as_is"),
    "user__email": (pgettext_lazy("done by", "By"), "email"),
    "token__name": (gettext_lazy("API token"), "as_is"),
    "tag_no": (gettext_lazy("Tag"), "as_is"),
    "reason": (gettext_lazy("Reason"), "as_is"),
}


def _formatters(plan):
    names = user_names()
    # The raw event columns name a person by e-mail.
    by_email = dict(get_user_model().objects.values_list("email", "pk"))
    stage_labels = {stage.key: stage.label for stage in plan.stages}
    return {
        "as_is": _as_is,
        "flag": _yes_no,
        "time": _local_time,
        "user": lambda pk: names.get(pk, "") if pk is not None else "",
        "email": lambda email: names.get(by_email.get(email), email or ""),
        "result": _word(RESULT_WORDS),
        "action": _word(ACTION_WORDS),
        "source": _word(SOURCE_WORDS),
        "stage": lambda key: stage_labels.get(key, key or ""),
    }


def readable_columns(plan, what, columns):
    """The ``Column`` of each raw ``(name, header)`` of an export of ``what`` (units or
    events) of ``plan``'s part, in the same order."""
    formatters = _formatters(plan)
    known = dict(EVENT_LABELS) if what == "events" else {**BASE_UNIT_LABELS, **_stage_columns(plan)}
    result = []
    for name, header in columns:
        label, kind = known.get(header if what == "units" else name, (header, "as_is"))
        result.append(Column(name=name, label=str(label), value=formatters[kind]))
    return result


def readable_rows(columns, rows):
    """``rows`` with each value shown as ``columns`` say."""
    shown = [column.value for column in columns]
    for row in rows:
        yield tuple(show(value) for show, value in zip(shown, row, strict=True))
