"""Forms of the line TV's settings: a new display link, and a part's andon limits."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shopfloor.dashboards.models import DisplayToken

MAX_WAITING_LIMIT = 1_000_000


class DisplayTokenForm(forms.ModelForm):
    class Meta:
        model = DisplayToken
        fields = ["name", "page_seconds"]

    def clean_page_seconds(self):
        seconds = self.cleaned_data["page_seconds"]
        if not 5 <= seconds <= 600:
            raise forms.ValidationError(
                _("Choose between 5 and 600 seconds per page."), code="page_seconds_range"
            )
        return seconds


class AndonLimitsForm(forms.Form):
    """Two fields per stage of the part's procedure: most units waiting, highest fail rate
    (pass/fail stages only). An empty field means no limit."""

    def __init__(self, *args, stages, initial_limits, **kwargs):
        super().__init__(*args, **kwargs)
        self.stages = stages
        for stage in stages:
            limit = initial_limits.get(stage.key)
            self.fields[f"waiting-{stage.key}"] = forms.IntegerField(
                label=_("%(stage)s: most units waiting") % {"stage": stage.label},
                required=False,
                min_value=0,
                max_value=MAX_WAITING_LIMIT,
                initial=limit.max_waiting if limit else None,
            )
            if stage.pass_fail:
                self.fields[f"fail-{stage.key}"] = forms.IntegerField(
                    label=_("%(stage)s: highest fail rate (%%)") % {"stage": stage.label},
                    required=False,
                    min_value=0,
                    max_value=100,
                    initial=limit.max_fail_percent if limit else None,
                )

    def rows(self):
        """Per stage: its label and its bound fields (the fail rate None for done-type)."""
        return [
            (
                stage,
                self[f"waiting-{stage.key}"],
                self[f"fail-{stage.key}"] if stage.pass_fail else None,
            )
            for stage in self.stages
        ]

    def limits(self):
        data = self.cleaned_data
        return {
            stage.key: (data.get(f"waiting-{stage.key}"), data.get(f"fail-{stage.key}"))
            for stage in self.stages
        }
