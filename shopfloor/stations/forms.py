from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from parts.models import ModelPart
from shopfloor.characters import validate_printable
from shopfloor.scanning.services import Earlier
from shopfloor.scanning.stage_data import value_from_text
from shopfloor.stations.models import REASON_MAX_LENGTH, DefectReason, ScanEvent, Station
from shopfloor.stations.selectors import operator_defect_reasons, plan_of_part


class StageSelect(forms.Select):
    """The stage list: each option carries the parts that have the stage (``data-parts``), so
    the page can offer only the stages of the parts chosen."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.parts_of = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        part_ids = self.parts_of.get(value)
        if part_ids is not None:
            option["attrs"]["data-parts"] = " ".join(str(pk) for pk in sorted(part_ids))
        return option


def stages_of_parts(parts):
    """{stage key: (labels, {part pk: part no.})} over the procedures of ``parts``, in process
    order of the first part that has each stage; a stage labelled differently by two parts
    has both labels."""
    stages = {}
    for part in parts:
        plan = plan_of_part(part)
        for stage in plan.stages if plan else ():
            labels, holders = stages.setdefault(stage.key, ([], {}))
            if stage.label not in labels:
                labels.append(stage.label)
            holders[part.pk] = part.part_no
    return stages


class StationForm(forms.ModelForm):
    """A station's set-up. Its stage is chosen among the stages of its parts (of every active
    part when it runs them all), shown with their labels; a stage none of them has is
    refused, since every scan there would be."""

    stage = forms.ChoiceField(
        label=_("Stage"),
        widget=StageSelect,
        help_text=_("The stage scanned here, among the stages of the station's parts."),
    )

    class Meta:
        model = Station
        fields = ["name", "line", "parts", "stage", "pairs_tag", "language", "is_active"]
        widgets = {"parts": forms.SelectMultiple(attrs={"size": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parts"].queryset = ModelPart.objects.active()
        self.stages = stages_of_parts(
            ModelPart.objects.active().select_related("procedure").order_by("part_no")
        )
        choices = [("", _("Choose the stage"))]
        for key, (labels, holders) in self.stages.items():
            choices.append((key, f"{' / '.join(labels)} ({key}) · {', '.join(holders.values())}"))
        current = self.instance.stage if self.instance.pk else ""
        if current and current not in self.stages:
            choices.append((current, _("%(key)s · no part has this stage") % {"key": current}))
        self.fields["stage"].choices = choices
        self.fields["stage"].widget.parts_of = {
            key: holders.keys() for key, (_labels, holders) in self.stages.items()
        }
        self.fields["stage"].widget.attrs["data-stage-select"] = ""
        self.fields["parts"].widget.attrs["data-parts-select"] = ""
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

    def clean(self):
        cleaned = super().clean()
        stage = cleaned.get("stage")
        parts = cleaned.get("parts")
        if not stage or parts is None:
            return cleaned
        holders = self.stages.get(stage, (None, {}))[1]
        chosen = {part.pk for part in parts}
        if chosen and not chosen & holders.keys():
            names = ", ".join(part.part_no for part in parts)
            self.add_error(
                "stage",
                ValidationError(
                    _("None of this station's parts (%(parts)s) has the stage %(stage)s."),
                    code="stage_of_no_part",
                    params={"parts": names, "stage": stage},
                ),
            )
        elif not holders:
            self.add_error(
                "stage",
                ValidationError(
                    _("No part has the stage %(stage)s."),
                    code="stage_of_no_part",
                    params={"stage": stage},
                ),
            )
        return cleaned


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
        # out_of_limits and machine symptoms are given, not picked: they keep no number key.
        reasons = operator_defect_reasons().values_list("code", "label")
        return [("", _("Choose the defect")), *reasons]


class ReasonForm(forms.Form):
    """A supervisor's action on a unit, which always needs a reason."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        validators=[validate_printable],
        widget=forms.TextInput,
        help_text=_("Kept in the unit's history."),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give a reason."), code="required")
        return reason


class OverrideForm(ReasonForm):
    """A supervisor's override of one stage: mark it done or failed (with the defect), or undo
    it. ``earlier`` is asked only when marking done over earlier stages still pending."""

    stage = forms.ChoiceField(label=_("Stage"))
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[
            (ScanEvent.Action.MARK_DONE, _("Mark done")),
            (ScanEvent.Action.MARK_FAIL, _("Mark failed")),
            (ScanEvent.Action.UNDO, _("Undo")),
        ],
    )
    defect = forms.ChoiceField(
        label=_("Defect"), required=False, help_text=_("Needed to mark a stage failed.")
    )
    earlier = forms.ChoiceField(
        label=_("Earlier stages not done yet"),
        required=False,
        widget=forms.RadioSelect,
        choices=[
            (Earlier.MARK_TOO, _("Mark them done too")),
            (Earlier.LEAVE_PENDING, _("Leave them pending: mark only this stage done")),
        ],
    )
    field_order = ["stage", "action", "defect", "reason", "earlier"]

    def __init__(self, *args, stages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [(stage.key, stage.label) for stage in stages]
        self.fields["defect"].choices = ScanForm._defect_choices

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == ScanEvent.Action.MARK_FAIL and not cleaned.get("defect"):
            self.add_error("defect", _("Choose the defect the unit failed with."))
        return cleaned


class DefectReasonForm(forms.ModelForm):
    """A defect reason as engineers keep the list: its code (what the scan API sends, fixed
    once units failed with it), label, category and whether it is still offered."""

    class Meta:
        model = DefectReason
        fields = ["code", "label", "category", "is_active"]

    def __init__(self, *args, code_in_use=False, **kwargs):
        super().__init__(*args, **kwargs)
        if code_in_use:
            code = self.fields["code"]
            code.disabled = True
            code.help_text = _(
                "Units failed with this code, and stations and label cards send it: it stays."
            )
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save defect reason")))

    def clean_label(self):
        label = self.cleaned_data["label"].strip()
        validate_printable(label)
        if not label:
            raise ValidationError(_("Give the label operators pick."), code="required")
        return label

    def clean_category(self):
        category = self.cleaned_data["category"].strip()
        validate_printable(category)
        return category


VALUE_TEXT_MAX_LENGTH = 1000  # longer than any value a field takes: its own check names it


class UnitValuesForm(forms.Form):
    """The values of a unit's fields without a stage, as its page lets them be changed: one
    text box per field, each read as its field's type (a number, yes/no, a date)."""

    def __init__(self, *args, fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.entries = {entry.key: entry for entry in fields}
        for entry in fields:
            hint = entry.unit or {
                "boolean": _("yes / no"),
                "date": _("YYYY-MM-DD"),
                "choice": ", ".join(entry.entry.get("choices") or []),
            }.get(entry.type, "")
            self.fields[entry.key] = forms.CharField(
                label=entry.label,
                required=False,
                max_length=VALUE_TEXT_MAX_LENGTH,
                help_text=hint,
            )

    def clean(self):
        cleaned = super().clean()
        sent = {key: cleaned[key] for key in self.entries if key in self.data and key in cleaned}
        if not sent and not self.errors:
            raise forms.ValidationError(_("There is no value to change."), code="empty")
        return {key: value_from_text(self.entries[key], text) for key, text in sent.items()}
