from django.urls import path, re_path

import shopfloor.converters  # noqa: F401 (registers <usid:...>)
from shopfloor.dashboards import tv_views, views

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
    path("tv/", tv_views.displays, name="tv-displays"),
    path("tv/new/", tv_views.display_create, name="tv-display-create"),
    path("tv/<int:pk>/revoke/", tv_views.display_revoke, name="tv-display-revoke"),
    path("tv/andon/", tv_views.andon_limits, name="tv-andon"),
    path("tv/andon/<int:part_pk>/", tv_views.andon_limits_save, name="tv-andon-save"),
    path("tv/show/<str:token>/", tv_views.line_tv, name="tv"),
]
