"""The part page's controls: the period its charts cover and which of its units it lists."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parts.models import ModelPart
from shopfloor.dashboards import stage_states, windows
from shopfloor.date_input import LocalizedDateField
from shopfloor.scanning.input import code_clean
from shopfloor.stations.models import USID_MAX_LENGTH

MAX_RANGE_DAYS = 366
# Days the charts can be drawn for: a range must be turned into local times and a day past its
# end, which the calendar's own edges (year 1, year 9999) do not allow.
FIRST_DAY = datetime.date(1900, 1, 1)
LAST_DAY = datetime.date(9998, 12, 31)


class WindowForm(forms.Form):
    """A range of days; empty means the current shift."""

    start = LocalizedDateField(label=_("From"), required=False)
    end = LocalizedDateField(label=_("To"), required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if self.errors:
            return cleaned
        if (start is None) != (end is None):
            raise ValidationError(
                _("Give both the first and the last day, or neither for the current shift."),
                code="incomplete",
            )
        if start and end:
            if not (FIRST_DAY <= start <= LAST_DAY and FIRST_DAY <= end <= LAST_DAY):
                raise ValidationError(
                    _("Choose days between %(first)s and %(last)s.")
                    % {"first": FIRST_DAY, "last": LAST_DAY},
                    code="out_of_calendar",
                )
            if end < start:
                raise ValidationError(
                    _("The last day (%(end)s) is before the first (%(start)s).")
                    % {"start": start, "end": end},
                    code="reversed",
                )
            if end - start > datetime.timedelta(days=MAX_RANGE_DAYS - 1):
                raise ValidationError(
                    _("Choose at most %(days)s days.") % {"days": MAX_RANGE_DAYS},
                    code="too_long",
                )
        return cleaned

    def window(self, now=None):
        """The chosen days, or the current shift when none (or an invalid range) is given."""
        if self.is_bound and self.is_valid() and self.cleaned_data.get("start"):
            return windows.days_window(self.cleaned_data["start"], self.cleaned_data["end"])
        return windows.current_shift(now)


PARETO_DEFAULT_DAYS = 7


class DefectParetoForm(WindowForm):
    """The days (the last week when none are given) and the part (every part when none) of
    the defect Pareto."""

    part = forms.ModelChoiceField(
        label=_("Part"),
        queryset=ModelPart.objects.none(),
        required=False,
        empty_label=_("Every part"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["part"].queryset = ModelPart.objects.all().order_by("part_no")

    def window(self, now=None):
        if self.is_bound and self.is_valid() and self.cleaned_data.get("start"):
            return windows.days_window(self.cleaned_data["start"], self.cleaned_data["end"])
        today = timezone.localdate(now)
        return windows.days_window(today - datetime.timedelta(days=PARETO_DEFAULT_DAYS - 1), today)

    def chosen_part(self):
        if self.is_bound and self.is_valid():
            return self.cleaned_data.get("part")
        return None


class UnitFilterForm(forms.Form):
    """Which units the part page lists: by a stage's state, held ones, or one USID or tag."""

    q = forms.CharField(
        label=_("USID or tag"),
        required=False,
        max_length=USID_MAX_LENGTH + 2,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, widget=forms.Select(attrs={"class": "form-select"})
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("any state")), *stage_states.STATES.items()],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    held = forms.BooleanField(
        label=_("On hold only"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["stage"].choices = [("", _("any stage"))] + [
            (stage.key, stage.label) for stage in plan.stages
        ]

    def clean_q(self):
        value = self.cleaned_data["q"]
        if not value:
            return ""
        return code_clean(value, label=_("USID or tag"))

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("stage")) != bool(cleaned.get("state")) and not self.errors:
            raise ValidationError(
                _("Choose a stage and its state together."), code="stage_state_pair"
            )
        return cleaned
