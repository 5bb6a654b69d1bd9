from django.contrib import admin

from shopfloor.admin import ReadOnlyAdmin
from shopfloor.labels.models import (
    LabelEvent,
    LabelTemplate,
    Printer,
    SerialBatch,
    SerialScheme,
    SerialVoid,
    StationPrinting,
)


@admin.register(Printer)
class PrinterAdmin(admin.ModelAdmin):
    list_display = ["name", "host", "port", "dpi", "is_active"]


@admin.register(StationPrinting)
class StationPrintingAdmin(admin.ModelAdmin):
    list_display = ["station", "printer", "print_at_registration"]


@admin.register(LabelTemplate)
class LabelTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "part", "width_mm", "height_mm", "symbology", "is_default"]
    list_filter = ["symbology"]


@admin.register(SerialScheme)
class SerialSchemeAdmin(admin.ModelAdmin):
    list_display = ["part", "pattern", "updated_at", "updated_by"]
    readonly_fields = ["updated_by"]


@admin.register(SerialBatch)
class SerialBatchAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "part", "work_run", "issued_at", "issued_by"]


@admin.register(SerialVoid)
class SerialVoidAdmin(ReadOnlyAdmin):
    list_display = ["usid", "reason", "voided_at", "voided_by"]
    search_fields = ["usid"]


@admin.register(LabelEvent)
class LabelEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "usid", "action", "output", "printer", "station", "user"]
    list_filter = ["action"]
    search_fields = ["usid"]
