from django.urls import path

from parts.unit_tables import views

app_name = "units"

urlpatterns = [
    path("<str:usid>", views.unit_detail, name="detail"),
]
