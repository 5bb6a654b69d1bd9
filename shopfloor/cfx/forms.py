from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from parts.unit_tables.naming import KEY_MAX_LENGTH, KEY_PATTERN
from shopfloor.cfx.models import NameMapping
from shopfloor.stations.models import DefectReason, Station


class EndpointForm(forms.Form):
    """The station of an endpoint, and what each name it reported means here: a procedure
    field for a test or measurement name, a defect reason for a symptom or defect code."""

    station = forms.ModelChoiceField(
        label=_("Station"),
        queryset=Station.objects.filter(is_active=True),
        required=False,
        help_text=_("Its units are recorded at this station's stage."),
    )

    def __init__(self, *args, endpoint, **kwargs):
        super().__init__(*args, initial={"station": endpoint.station_id}, **kwargs)
        self.endpoint = endpoint
        self.mappings = list(endpoint.names.select_related("defect"))
        reasons = DefectReason.objects.filter(is_active=True)
        for mapping in self.mappings:
            name = f"name_{mapping.pk}"
            if mapping.kind == NameMapping.Kind.SYMPTOM:
                self.fields[name] = forms.ModelChoiceField(
                    label=mapping.name,
                    queryset=reasons,
                    required=False,
                    initial=mapping.defect_id,
                    empty_label=_("— cfx_symptom, code kept —"),
                )
            else:
                self.fields[name] = forms.CharField(
                    label=mapping.name,
                    required=False,
                    max_length=KEY_MAX_LENGTH,
                    initial=mapping.field_key,
                )
            self.fields[name].mapping = mapping
        for field in self.fields.values():
            select = isinstance(field, forms.ModelChoiceField)
            field.widget.attrs["class"] = "form-select" if select else "form-control"

    def clean(self):
        cleaned = super().clean()
        for mapping in self.mappings:
            name = f"name_{mapping.pk}"
            value = cleaned.get(name)
            if (
                mapping.kind != NameMapping.Kind.SYMPTOM
                and value
                and not KEY_PATTERN.fullmatch(value)
            ):
                self.add_error(
                    name,
                    ValidationError(
                        _("A procedure field key is lower case letters, digits and _, e.g. vout."),
                        code="field_key",
                    ),
                )
        return cleaned

    def mapping_rows(self):
        """(mapping, bound field) of each name, grouped for the page by kind."""
        return [(field.field.mapping, field) for field in self if field.name.startswith("name_")]

    def names(self):
        """``{mapping id: (field_key, defect)}`` as ``endpoint_map`` takes it."""
        names = {}
        for mapping in self.mappings:
            value = self.cleaned_data.get(f"name_{mapping.pk}")
            if mapping.kind == NameMapping.Kind.SYMPTOM:
                names[mapping.pk] = ("", value)
            else:
                names[mapping.pk] = (value or "", None)
        return names
