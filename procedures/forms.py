"""Forms of the procedure editor, import and restore.

The stage and field forms only carry the draft: they accept whatever the engineer has typed so
far. Whether the draft is a valid procedure is decided by the procedure_config v1 validator,
whose messages the editor shows next to each row.
"""

import json

from crispy_forms.bootstrap import InlineCheckboxes
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from parts.models import ModelPart
from procedures.config import MEDIA
from shopfloor.json_input import DuplicateKey, json_loads

RESULT_CHOICES = [("done", _("Done (a plain tick)")), ("pass_fail", _("Pass / fail"))]
FIELD_TYPE_CHOICES = [
    ("text", _("Text")),
    ("integer", _("Integer")),
    ("decimal", _("Decimal")),
    ("boolean", _("Yes / no")),
    ("date", _("Date")),
    ("choice", _("Choice")),
    ("measurement", _("Measurement (with unit and limits)")),
]


def media_choices():
    """The part's media a station can show, labelled as the part's page labels them."""
    return [(name, capfirst(ModelPart._meta.get_field(name).verbose_name)) for name in MEDIA]


def _row_helper(*rows):
    """Lay a row form out in Bootstrap grid rows of (field, column class) pairs."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    # Templates look form["media"] up before form.media: a stage's media field is not assets.
    helper.include_media = False
    helper.layout = Layout(
        "origin",
        *(
            Row(*(Column(name, css_class=css) for name, css in row), css_class="g-2")
            for row in rows
        ),
    )
    return helper


class _EntryForm(forms.Form):
    """A stage or field row: its key is fixed once saved (the row then has an origin)."""

    origin = forms.CharField(required=False, widget=forms.HiddenInput)
    key = forms.CharField(
        label=_("Key"),
        required=False,
        widget=forms.TextInput(
            attrs={"title": _("Lowercase letters, digits and _; fixed once saved.")}
        ),
    )
    label = forms.CharField(label=_("Label"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.initial.get("origin"):
            self.fields["key"].widget.attrs["readonly"] = True


class StageForm(_EntryForm):
    result = forms.CharField(
        label=_("Result"),
        required=False,
        widget=forms.Select(choices=RESULT_CHOICES),
        initial="done",
    )
    optional = forms.BooleanField(label=_("Optional"), required=False)
    instructions = forms.CharField(
        label=_("Instructions"), required=False, widget=forms.Textarea(attrs={"rows": 1})
    )
    media = forms.MultipleChoiceField(
        label=_("Media shown at the station"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["media"].choices = media_choices()
        self.helper = _row_helper(
            [
                ("key", "col-md-3"),
                ("label", "col-md-4"),
                ("result", "col-md-3"),
                ("optional", "col-md-2 pt-md-4"),
            ],
            [("instructions", "col-md-6"), (InlineCheckboxes("media"), "col-md-6")],
        )


class FieldForm(_EntryForm):
    type = forms.CharField(
        label=_("Type"),
        required=False,
        widget=forms.Select(choices=FIELD_TYPE_CHOICES),
        initial="text",
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    stage = forms.CharField(label=_("Filled at stage"), required=False, widget=forms.Select)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Choice fields only: one choice per line."),
    )
    help = forms.CharField(
        label=_("Help for the operator"),
        required=False,
        help_text=_("Shown next to the field at the station."),
    )
    unit = forms.CharField(
        label=_("Unit"),
        required=False,
        help_text=_("Measurements only, e.g. V or mA."),
    )
    min = forms.CharField(
        label=_("Min"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("Measurements only: the lowest value that passes (inclusive)."),
    )
    max = forms.CharField(
        label=_("Max"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("Measurements only: the highest value that passes (inclusive)."),
    )
    default = forms.CharField(
        label=_("Default"),
        required=False,
        help_text=_("Used when a scan does not give a value (yes/no for a yes/no field)."),
    )
    unique = forms.BooleanField(
        label=_("Unique"),
        required=False,
        help_text=_("No two units may hold the same value (e.g. a MAC address)."),
    )

    def __init__(self, *args, stage_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("Any stage")), *stage_choices]
        current = self.initial.get("stage")
        if current and current not in dict(choices):
            # Keep a stage the draft no longer holds selected, so the validator can name it.
            choices.append((current, _("%(key)s (not in this procedure)") % {"key": current}))
        self.fields["stage"].widget.choices = choices
        self.helper = _row_helper(
            [
                ("key", "col-md-3"),
                ("label", "col-md-3"),
                ("type", "col-md-2"),
                ("stage", "col-md-2"),
                ("required", "col-md-2 pt-md-4"),
            ],
            [("choices", "col-md-6"), ("help", "col-md-6")],
            [
                ("unit", "col-md-2"),
                ("min", "col-md-2"),
                ("max", "col-md-2"),
                ("default", "col-md-4"),
                ("unique", "col-md-2 pt-md-4"),
            ],
        )

    def clean_choices(self):
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]


StageFormSet = forms.formset_factory(StageForm, extra=0)
FieldFormSet = forms.formset_factory(FieldForm, extra=0)


class EditorForm(forms.Form):
    """What the editor carries besides the rows: the version the draft started from."""

    base_version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    confirm_retire = forms.CharField(required=False, widget=forms.HiddenInput)
    usid_pattern = forms.CharField(
        label=_("USID pattern"),
        required=False,
        help_text=_(
            "Optional: a regular expression every new unit's USID must match in full, "
            "e.g. ^PWR-[0-9]{4}$. Units already registered are not checked again."
        ),
    )
    usid_example = forms.CharField(
        label=_("USID example"),
        required=False,
        help_text=_("Optional: a USID that matches, shown to operators, e.g. PWR-0001."),
    )


class ProcedureImportForm(forms.Form):
    """A procedure_config v1 document, uploaded as a file or pasted."""

    # A procedure is a few kilobytes; anything near this is not one.
    MAX_BYTES = 1_000_000

    file = forms.FileField(label=_("JSON file"), required=False)
    text = forms.CharField(
        label=_("Or paste the JSON"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "class": "font-monospace"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        cleaned = super().clean()
        upload, text = cleaned.get("file"), cleaned.get("text", "").strip()
        if upload and text:
            raise forms.ValidationError(
                _("Upload a file or paste the JSON, not both."), code="two_sources"
            )
        if not upload and not text:
            raise forms.ValidationError(
                _("Upload a JSON file or paste the JSON."), code="no_document"
            )
        if upload and upload.size > self.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s bytes; a procedure is at most %(max)s."),
                code="too_large",
                params={"size": upload.size, "max": self.MAX_BYTES},
            )
        if upload:
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError(
                    _("The file is not UTF-8 text."), code="not_text"
                ) from None
        try:
            cleaned["config"] = json_loads(text)
        except DuplicateKey as duplicate:
            raise forms.ValidationError(str(duplicate), code="duplicate_key") from None
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                _("Not valid JSON: %(problem)s (line %(line)s, column %(column)s)."),
                code="invalid_json",
                params={"problem": error.msg, "line": error.lineno, "column": error.colno},
            ) from None
        except RecursionError:
            raise forms.ValidationError(
                _("Not valid JSON: it is nested too deeply (a procedure is a few levels deep)."),
                code="invalid_json",
            ) from None
        return cleaned


class ProcedureRestoreForm(forms.Form):
    """Restoring an earlier version: the version it replaces and the retirements agreed to."""

    expected_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    confirm_retire = forms.CharField(required=False, widget=forms.HiddenInput)
