from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from parts.models import ModelPart
from shopfloor.characters import validate_printable
from shopfloor.stations.models import REASON_MAX_LENGTH, DefectReason, ScanEvent, Station


class StationForm(forms.ModelForm):
    class Meta:
        model = Station
        fields = ["name", "line", "stage", "parts", "pairs_tag", "is_active"]
        widgets = {"parts": forms.SelectMultiple(attrs={"size": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parts"].queryset = ModelPart.objects.active()
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save station")))

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        validate_printable(name)
        return name

    def clean_line(self):
        line = self.cleaned_data["line"].strip()
        validate_printable(line)
        return line

    def clean_stage(self):
        return self.cleaned_data["stage"].strip().lower()


class ScanForm(forms.Form):
    """One scan from the scan screen. The scan rules clean and check every value."""

    code = forms.CharField(label=_("Scan USID"), strip=False, required=False)
    result = forms.ChoiceField(
        label=_("Result"),
        choices=ScanEvent.Result.choices,
        required=False,
        initial=ScanEvent.Result.PASS,
        widget=forms.RadioSelect,
    )
    defect = forms.ChoiceField(label=_("Defect reason"), required=False)
    part_no = forms.CharField(label=_("Part for new units"), required=False, strip=False)
    pending_usid = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)

    def __init__(self, *args, station, **kwargs):
        super().__init__(*args, **kwargs)
        # Read when the list is drawn: the answer to a scan from the screen does not draw it.
        self.fields["defect"].choices = self._defect_choices
        self.parts = list(station.parts.active().select_related("procedure").order_by("part_no"))
        if len(self.parts) > 1:
            self.fields["part_no"] = forms.ChoiceField(
                label=_("Part for new units"),
                choices=[(part.part_no, part.part_no) for part in self.parts],
                required=False,
            )

    @staticmethod
    def _defect_choices():
        reasons = DefectReason.objects.filter(is_active=True).values_list("code", "label")
        return [("", _("Choose the defect")), *reasons]


class ReasonForm(forms.Form):
    """A supervisor's action on a unit, which always needs a reason."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.TextInput,
        help_text=_("Kept in the unit's history."),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give a reason."), code="required")
        return reason


class OverrideForm(ReasonForm):
    stage = forms.ChoiceField(label=_("Stage"))
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[
            (ScanEvent.Action.MARK_DONE, _("Mark done")),
            (ScanEvent.Action.UNDO, _("Undo")),
        ],
    )
    field_order = ["stage", "action", "reason"]

    def __init__(self, *args, stages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [(stage.key, stage.label) for stage in stages]
