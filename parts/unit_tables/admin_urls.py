"""URLs of the unit tables in the admin: ``/admin/units/`` and ``/admin/units/<part pk>/...``."""

from django.contrib import admin
from django.urls import path

from parts.unit_tables.admin import VIEWS, unit_tables_index

app_name = "unit_admin"


urlpatterns = [
    path("", admin.site.admin_view(unit_tables_index), name="index"),
    path("<int:part_pk>/", VIEWS["changelist"], name="changelist"),
    path("<int:part_pk>/add/", VIEWS["add"], name="add"),
    path("<int:part_pk>/<path:object_id>/delete/", VIEWS["delete"], name="delete"),
    path("<int:part_pk>/<path:object_id>/change/", VIEWS["change"], name="change"),
    path("<int:part_pk>/<path:object_id>/", VIEWS["object"], name="object"),
]
