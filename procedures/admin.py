from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parts.unit_tables import UnitTableBusy
from procedures.exceptions import ProcedureConflict
from procedures.models import PartProcedureDetail, ProcedureVersion
from shopfloor.admin import ReadOnlyAdmin


class PartProcedureDetailForm(forms.ModelForm):
    """The admin's procedure form; the hidden version refuses an edit overtaken by another."""

    class Meta:
        model = PartProcedureDetail
        fields = ["model_part", "procedure_config", "version"]
        widgets = {"version": forms.HiddenInput}

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            return cleaned
        saved = (
            PartProcedureDetail.objects.select_related("updated_by", "model_part")
            .filter(pk=self.instance.pk)
            .first()
        )
        if saved is not None and cleaned.get("version") != saved.version:
            conflict = ProcedureConflict(
                part=saved.model_part,
                changed_by=saved.updated_by,
                changed_at=saved.updated_at,
                current_version=saved.version,
            )
            raise forms.ValidationError(str(conflict), code="conflict")
        return cleaned


@admin.register(PartProcedureDetail)
class PartProcedureDetailAdmin(admin.ModelAdmin):
    form = PartProcedureDetailForm
    list_display = ["model_part", "version", "updated_by", "updated_at", "unit_table"]
    search_fields = ["model_part__part_no", "model_part__model_no"]
    list_select_related = ["model_part", "updated_by"]
    readonly_fields = ["updated_by", "unit_table", "applied_schema", "schema_fingerprint"]

    def get_readonly_fields(self, request, obj=None):
        # The part of a saved procedure is fixed: its unit table belongs to that part.
        if obj is not None:
            return ["model_part", *self.readonly_fields]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        # A procedure describes its part's unit table; deleting it would orphan every unit.
        return False

    @admin.display(description=gettext_lazy("unit table"))
    def unit_table(self, procedure):
        if procedure.pk is None:
            return "-"
        url = reverse("unit_admin:changelist", args=[procedure.model_part_id])
        return format_html(
            '<a href="{}">{}</a>', url, _("Units of %(part)s") % {"part": procedure.model_part}
        )

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The form's version check runs before the save; another engineer's save or a scan
        # holding the table can still land in between. The save then rolled back whole:
        # say why and send the admin back to the form instead of an error page.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ProcedureConflict, UnitTableBusy) as refusal:
            messages.error(request, _("Nothing was saved: %(reason)s") % {"reason": refusal})
            return HttpResponseRedirect(request.get_full_path())


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(ReadOnlyAdmin):
    """The history of procedures, read-only: a kept version is never edited or removed."""

    list_display = ["procedure", "version", "saved_by", "saved_at", "restored_from"]
    list_select_related = ["procedure__model_part", "saved_by"]
    search_fields = ["procedure__model_part__part_no"]
