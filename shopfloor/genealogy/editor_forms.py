"""The procedure editor's component rows: what each stage installs.

A row names the stage it belongs to, like a unit field does; the draft puts the rows back
into their stages' ``components`` lists. The part is chosen from the list of parts.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from parts.models import ModelPart

LOT = "lot"


def empty_component():
    return {"key": "", "label": "", "stage": "", "source": LOT, "required": True}


def component_rows(stages):
    """The component rows of the draft's stage entries (procedure_config v1)."""
    rows = []
    for stage in stages:
        for entry in stage.get("components") or []:
            source = LOT if entry.get("kind") == LOT else entry.get("part_no") or ""
            rows.append(
                {
                    "key": entry.get("key") or "",
                    "label": entry.get("label") or "",
                    "stage": stage.get("key") or "",
                    "source": source,
                    "required": entry.get("required", True) is not False,
                }
            )
    return rows


def component_entries(rows, stage_key):
    """The ``components`` list of stage ``stage_key`` from the editor's rows."""
    entries = []
    for row in rows:
        if row["stage"] != stage_key:
            continue
        entry = {"key": row["key"].strip(), "label": row["label"].strip()}
        if row["source"] == LOT:
            entry["kind"] = LOT
        else:
            entry["part_no"] = row["source"]
        entry["required"] = bool(row["required"])
        entries.append(entry)
    return entries


def component_row_problems(rows, stage_keys):
    """{row index: [message]} for component rows the draft cannot place: no stage chosen, or a
    stage no longer in the procedure. Such a row would otherwise be left out of the config
    without a word."""
    problems = {}
    for index, row in enumerate(rows):
        stage = row["stage"]
        if not stage:
            problems[index] = [_("Installed at stage: choose the stage that installs it.")]
        elif stage not in stage_keys:
            problems[index] = [
                _(
                    "Installed at stage: %(stage)s is no longer in the procedure; choose "
                    "another stage or remove this component."
                )
                % {"stage": stage}
            ]
    return problems


class ComponentForm(forms.Form):
    key = forms.CharField(label=_("Key"), required=False)
    label = forms.CharField(label=_("Label"), required=False)
    stage = forms.CharField(label=_("Installed at stage"), required=False, widget=forms.Select)
    source = forms.CharField(label=_("What"), required=False, widget=forms.Select)
    required = forms.BooleanField(label=_("Required for a pass"), required=False)

    def __init__(self, *args, stage_choices=(), part_nos=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].widget.choices = [("", _("Choose a stage")), *stage_choices]
        sources = [(LOT, _("A material lot (lot code)"))]
        sources += [(part_no, _("A unit of %(part)s") % {"part": part_no}) for part_no in part_nos]
        current = self.initial.get("source")
        if current and current not in dict(sources):
            sources.append((current, _("%(part)s (no such part)") % {"part": current}))
        self.fields["source"].widget.choices = sources
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column("key", css_class="col-md-2"),
                Column("label", css_class="col-md-3"),
                Column("stage", css_class="col-md-2"),
                Column("source", css_class="col-md-3"),
                Column("required", css_class="col-md-2 pt-md-4"),
                css_class="g-2",
            )
        )


ComponentFormSet = forms.formset_factory(ComponentForm, extra=0)


def component_formset(rows, stage_choices):
    """Unbound forms showing ``rows``, the parts listed to choose from."""
    part_nos = list(
        ModelPart.objects.active().order_by("part_no").values_list("part_no", flat=True)
    )
    return ComponentFormSet(
        initial=rows,
        prefix="components",
        form_kwargs={"stage_choices": stage_choices, "part_nos": part_nos},
    )
