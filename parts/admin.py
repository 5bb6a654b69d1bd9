from django.contrib import admin

from parts.models import ModelPart, PartChange
from shopfloor.admin import ReadOnlyAdmin


@admin.register(ModelPart)
class ModelPartAdmin(ReadOnlyAdmin):
    """Read-only here: parts are written through the app, where media are checked and audited."""

    list_display = ["part_no", "model_no", "archived_at", "updated_at"]
    list_filter = [("archived_at", admin.EmptyFieldListFilter), "model_no"]
    search_fields = ["part_no", "model_no"]


@admin.register(PartChange)
class PartChangeAdmin(ReadOnlyAdmin):
    """The audit trail, append-only."""

    list_display = ["part", "action", "changed_by_label", "changed_at"]
    list_filter = ["action"]
    search_fields = ["part__part_no", "changed_by_label"]
    list_select_related = ["part"]
