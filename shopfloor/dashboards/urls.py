from django.urls import path, re_path

import shopfloor.converters  # noqa: F401 (registers <usid:...>)
from shopfloor.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("parts/<int:pk>/", views.part_dashboard, name="part"),
    re_path(
        r"^parts/(?P<pk>\d+)/export/(?P<what>units|events)\.(?P<extension>csv|xlsx)$",
        views.part_export,
        name="export",
    ),
    path("defects/", views.defects, name="defects"),
    path("units/", views.unit_lookup, name="unit-lookup"),
    path("units/<usid:usid>/", views.unit_detail, name="unit"),
]
