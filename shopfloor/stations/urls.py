from django.urls import path, re_path

from shopfloor.stations import views

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
    path("units/", views.unit_lookup, name="unit-lookup"),
    path("units/<str:usid>/", views.unit_detail, name="unit"),
    re_path(
        r"^units/(?P<usid>[^/]+)/(?P<action>override|hold|release)/$",
        views.unit_action,
        name="unit-action",
    ),
]
