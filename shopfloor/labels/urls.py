from django.urls import path

import shopfloor.converters  # noqa: F401 (registers <usid:...>)
from shopfloor.labels import views

app_name = "labels"

urlpatterns = [
    path("parts/<int:part_pk>/", views.part_labels, name="part"),
    path("parts/<int:part_pk>/numbering", views.scheme_set, name="scheme"),
    path("parts/<int:part_pk>/issue", views.batch_issue, name="issue"),
    path("parts/<int:part_pk>/templates/new/", views.template_create, name="template-create"),
    path("templates/<int:template_pk>/", views.template_edit, name="template-edit"),
    path(
        "templates/<int:template_pk>/preview.svg", views.template_preview, name="template-preview"
    ),
    path("batches/<int:batch_pk>/", views.batch_detail, name="batch"),
    path("batches/<int:batch_pk>/print", views.batch_print, name="batch-print"),
    path("batches/<int:batch_pk>/void", views.batch_void, name="void"),
    path("printers/", views.printer_list, name="printers"),
    path("printers/new/", views.printer_create, name="printer-create"),
    path("printers/<int:printer_pk>/", views.printer_edit, name="printer-edit"),
    path("stations/<int:station_pk>/", views.station_printing, name="station"),
    path("units/<usid:usid>/reprint", views.unit_reprint, name="unit-reprint"),
    path("defect-cards/", views.defect_cards_page, name="defect-cards"),
    path("defect-cards/print", views.defect_cards_print, name="defect-cards-print"),
]
