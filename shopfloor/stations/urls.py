from django.urls import path, register_converter

import shopfloor.converters  # noqa: F401 (registers <usid:...>)
from shopfloor.stations import views


class UnitActionConverter:
    regex = "override|hold|release"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(UnitActionConverter, "unit_action")

app_name = "stations"

urlpatterns = [
    path("", views.station_current, name="current"),
    path("pick/", views.station_pick, name="pick"),
    path("<int:pk>/", views.station_scan, name="scan"),
    path("<int:pk>/scan/", views.scan_submit, name="submit"),
    path("manage/", views.station_manage, name="manage"),
    path("manage/new/", views.station_create, name="create"),
    path("manage/<int:pk>/", views.station_edit, name="edit"),
    path("manage/<int:pk>/token/", views.station_token_issue, name="token"),
    path("defects/", views.defect_reason_list, name="defects"),
    path("defects/new/", views.defect_reason_create, name="defect-create"),
    path("defects/<int:pk>/", views.defect_reason_edit, name="defect-edit"),
    path("units/<usid:usid>/<unit_action:action>/", views.unit_action, name="unit-action"),
    path("units/<usid:usid>/values/", views.unit_values, name="unit-values"),
]
