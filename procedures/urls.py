from django.urls import path

from procedures import views

app_name = "procedures"

urlpatterns = [
    path("<int:part_pk>/apply", views.procedure_apply_view, name="apply"),
    path("<int:part_pk>/preview", views.procedure_preview_view, name="preview"),
]
