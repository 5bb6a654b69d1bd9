from django.urls import path

from procedures import views

app_name = "procedures"

urlpatterns = [
    path("<int:part_pk>/", views.procedure_detail, name="detail"),
    path("<int:part_pk>/edit/", views.procedure_edit, name="edit"),
    path("<int:part_pk>/export/", views.procedure_export, name="export"),
    path("<int:part_pk>/import/", views.procedure_import, name="import"),
    path("<int:part_pk>/history/", views.procedure_history, name="history"),
    path("<int:part_pk>/history/<int:version>/", views.procedure_version, name="version"),
    path(
        "<int:part_pk>/history/<int:version>/restore/",
        views.procedure_version_restore,
        name="restore",
    ),
    path("<int:part_pk>/apply", views.procedure_apply_view, name="apply"),
    path("<int:part_pk>/preview", views.procedure_preview_view, name="preview"),
]
