from django.urls import path

from procedures.views import api, editor, pages

app_name = "procedures"

urlpatterns = [
    path("<int:part_pk>/", pages.procedure_detail, name="detail"),
    path("<int:part_pk>/edit/", editor.procedure_edit, name="edit"),
    path("<int:part_pk>/export/", pages.procedure_export, name="export"),
    path("<int:part_pk>/import/", editor.procedure_import, name="import"),
    path("<int:part_pk>/history/", pages.procedure_history, name="history"),
    path("<int:part_pk>/history/<int:version>/", pages.procedure_version, name="version"),
    path(
        "<int:part_pk>/history/<int:version>/restore/",
        pages.procedure_version_restore,
        name="restore",
    ),
    path("<int:part_pk>/rebuild/", pages.procedure_rebuild, name="rebuild"),
    path("<int:part_pk>/apply", api.procedure_apply_view, name="apply"),
    path("<int:part_pk>/preview", api.procedure_preview_view, name="preview"),
]
