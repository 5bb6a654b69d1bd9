"""URLs of the unit tables in the admin: ``/admin/units/`` and ``/admin/units/<part pk>/...``."""

from django.contrib import admin
from django.urls import path

from parts.unit_tables.admin import unit_admin_for, unit_object_redirect, unit_tables_index

app_name = "unit_admin"


def changelist(request, part_pk):
    return unit_admin_for(request, part_pk).changelist_view(request)


def add(request, part_pk):
    return unit_admin_for(request, part_pk).add_view(request)


def change(request, part_pk, object_id):
    return unit_admin_for(request, part_pk).change_view(request, object_id)


def delete(request, part_pk, object_id):
    return unit_admin_for(request, part_pk).delete_view(request, object_id)


VIEWS = {
    name: admin.site.admin_view(view)
    for name, view in {
        "changelist": changelist,
        "add": add,
        "change": change,
        "delete": delete,
        "object": unit_object_redirect,
    }.items()
}

urlpatterns = [
    path("", admin.site.admin_view(unit_tables_index), name="index"),
    path("<int:part_pk>/", VIEWS["changelist"], name="changelist"),
    path("<int:part_pk>/add/", VIEWS["add"], name="add"),
    path("<int:part_pk>/<path:object_id>/delete/", VIEWS["delete"], name="delete"),
    path("<int:part_pk>/<path:object_id>/change/", VIEWS["change"], name="change"),
    path("<int:part_pk>/<path:object_id>/", VIEWS["object"], name="object"),
]
