from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shopfloor.labels.models import (
    BATCH_MAX,
    WORK_RUN_MAX_LENGTH,
    LabelTemplate,
    Printer,
    StationPrinting,
)
from shopfloor.labels.numbering import PATTERN_MAX_LENGTH
from shopfloor.labels.services import label_of, template_sample_usid
from shopfloor.stations.models import REASON_MAX_LENGTH, USID_MAX_LENGTH

PDF = "pdf"


def _helper(label, form_tag=True):
    helper = FormHelper()
    helper.form_tag = form_tag
    helper.add_input(Submit("save", label))
    return helper


class SchemeForm(forms.Form):
    pattern = forms.CharField(
        label=_("Numbering pattern"),
        max_length=PATTERN_MAX_LENGTH,
        help_text=_(
            "Tokens: {YYYY} {YY} {MM} {DD} {YYMM} and one counter {seq:0N}, e.g. "
            "PWR-{YYMM}-{seq:05}. The counter restarts with each period the pattern names."
        ),
    )


class IssueForm(forms.Form):
    count = forms.IntegerField(
        label=_("How many numbers"),
        help_text=_("From 1 to 1,000,000."),
        min_value=1,
        max_value=BATCH_MAX,
    )
    work_run = forms.CharField(
        label=_("Work run"),
        required=False,
        max_length=WORK_RUN_MAX_LENGTH,
        help_text=_("Optional: the work order the numbers are for, e.g. WO-2611-07."),
    )


class LabelTemplateForm(forms.ModelForm):
    class Meta:
        model = LabelTemplate
        fields = [
            "name",
            "width_mm",
            "height_mm",
            "symbology",
            "show_usid",
            "show_part_no",
            "show_model_no",
            "show_date",
            "is_default",
        ]

    def __init__(self, *args, part, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.part = part
        self.helper = _helper(_("Save template"))

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            sample = template_sample_usid(self.instance.part)
            for name, value in cleaned.items():
                setattr(self.instance, name, value)
            try:
                label_of(self.instance, sample)
            except ValidationError as error:
                raise ValidationError(
                    gettext("This template does not fit its label with %(usid)s: %(reason)s")
                    % {"usid": sample, "reason": error.messages[0]}
                ) from None
        return cleaned

    def validate_unique(self):
        super().validate_unique()
        taken = LabelTemplate.objects.filter(
            part=self.instance.part, name=self.cleaned_data.get("name")
        ).exclude(pk=self.instance.pk)
        if taken.exists():
            self.add_error("name", _("This part already has a template of that name."))


class PrinterForm(forms.ModelForm):
    class Meta:
        model = Printer
        fields = ["name", "host", "port", "dpi", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save printer"))


class StationPrintingForm(forms.ModelForm):
    class Meta:
        model = StationPrinting
        fields = ["printer", "print_at_registration"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["printer"].queryset = Printer.objects.filter(is_active=True)
        self.helper = _helper(_("Save"))


def output_choices():
    printers = Printer.objects.filter(is_active=True)
    return [(PDF, _("PDF for an office printer (A4)"))] + [
        (str(printer.pk), str(printer)) for printer in printers
    ]


class OutputField(forms.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(label=_("Print on"), choices=output_choices, **kwargs)


def printer_of(choice):
    """The printer chosen, or None for a PDF."""
    return None if choice == PDF else Printer.objects.filter(pk=choice, is_active=True).first()


class BatchPrintForm(forms.Form):
    template = forms.ModelChoiceField(queryset=LabelTemplate.objects.none(), label=_("Template"))
    first = forms.CharField(label=_("From"), max_length=USID_MAX_LENGTH)
    last = forms.CharField(label=_("To"), max_length=USID_MAX_LENGTH)
    output = OutputField()
    reason = forms.CharField(
        label=_("Reason for a reprint"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text=_("Needed when any of these labels was printed before."),
    )

    def __init__(self, *args, batch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = LabelTemplate.objects.filter(part_id=batch.part_id)
        self.fields["template"].empty_label = None


class VoidForm(forms.Form):
    usid = forms.CharField(label=_("Number to void"), max_length=USID_MAX_LENGTH)
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX_LENGTH)


class ReprintForm(forms.Form):
    output = OutputField()
    reason = forms.CharField(
        label=_("Reason for the reprint"),
        max_length=REASON_MAX_LENGTH,
        help_text=_("e.g. label smudged at QC; kept in the unit's history."),
    )


class PrinterChoiceForm(forms.Form):
    output = OutputField()
