from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from parts.models import ModelPart
from shopfloor.date_input import LocalizedDateField
from shopfloor.labels.forms import OutputField
from shopfloor.operators.badges import CODE_MAX_LENGTH, badge_code_for_issue, pin_clean
from shopfloor.operators.models import QualificationRule
from shopfloor.scanning.plans import plan_of_part
from shopfloor.stations.models import STAGE_KEY_MAX_LENGTH, Station


class BadgeScanForm(forms.Form):
    # No length or character limit here: badges.badge_code_clean says what is wrong.
    code = forms.CharField(label=_("Scan your badge"), required=False, strip=False)


class PinForm(forms.Form):
    pin = forms.CharField(label=_("PIN"), required=False)


class BadgeIssueForm(forms.Form):
    code = forms.CharField(
        label=_("Badge code"),
        required=False,
        max_length=CODE_MAX_LENGTH,
        help_text=_(
            "Printable ASCII, 6 to 64 characters, no spaces; e.g. the number on the "
            "operator's existing badge. Left empty, a random code is made."
        ),
    )
    output = OutputField()

    def clean_code(self):
        code = self.cleaned_data["code"]
        return badge_code_for_issue(code) if code else ""


class PinSetForm(forms.Form):
    pin = forms.CharField(
        label=_("PIN"),
        required=False,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "new-password"}),
        help_text=_("4 to 8 digits, asked after the badge. Empty: no PIN."),
    )

    def clean_pin(self):
        pin = self.cleaned_data["pin"]
        return pin_clean(pin) if pin else ""


class BadgePolicyForm(forms.Form):
    opens_all_pages = forms.BooleanField(
        label=_("A badge sign-in opens every page this account may see"),
        required=False,
        help_text=_(
            "Off (the default): a badge opens only the station's scan screen; engineer and "
            "supervisor pages ask for the email and password."
        ),
    )


class QualificationRuleForm(forms.Form):
    station = forms.ModelChoiceField(
        label=_("Station"), queryset=Station.objects.filter(is_active=True), required=False
    )
    part = forms.ModelChoiceField(label=_("Part"), queryset=ModelPart.objects.all(), required=False)
    stage = forms.CharField(label=_("Stage key"), max_length=STAGE_KEY_MAX_LENGTH, required=False)

    def clean(self):
        data = super().clean()
        station, part, stage = data.get("station"), data.get("part"), data.get("stage", "").strip()
        if self.errors:
            return data
        if station and (part or stage):
            raise ValidationError(_("Choose a station, or a part and a stage: not both."))
        if not station and not (part and stage):
            raise ValidationError(_("Choose a station, or a part and one of its stages."))
        if station and QualificationRule.objects.filter(station=station).exists():
            raise ValidationError(_("This station already asks for a qualification."))
        if part:
            stages = _stage_keys(part)
            if stage not in stages:
                raise ValidationError(
                    _("%(part)s has no stage %(stage)s. Its stages: %(stages)s.")
                    % {"part": part.part_no, "stage": stage, "stages": ", ".join(stages) or "-"}
                )
            if QualificationRule.objects.filter(part=part, stage=stage).exists():
                raise ValidationError(_("This stage already asks for a qualification."))
        data["stage"] = stage
        return data


def _stage_keys(part):
    plan = plan_of_part(part)
    return [stage.key for stage in plan.stages] if plan else []


class QualificationGrantForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Operator"), queryset=get_user_model().objects.filter(is_active=True)
    )
    rule = forms.ModelChoiceField(
        label=_("Qualified for"), queryset=QualificationRule.objects.all()
    )
    expires_on = LocalizedDateField(
        label=_("Expires on"),
        help_text=_("The last day the qualification holds."),
    )
