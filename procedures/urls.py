from django.urls import path

from procedures import views

app_name = "procedures"

urlpatterns = [
    path("<int:part_pk>/", views.procedure_detail, name="detail"),
    path("<int:part_pk>/edit/", views.procedure_edit, name="edit"),
    path("<int:part_pk>/export/", views.procedure_export, name="export"),
]
